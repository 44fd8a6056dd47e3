// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Finds the pseudonyms in a pseudonymized log line and puts the identifiers back.
public struct PseudonymRevealer {
    /// What became of one line.
    public struct LineResult: Hashable, Sendable {
        /// The line with every authenticating pseudonym replaced by its identifier.
        public var line: [UInt8]
        /// The identifiers revealed, in line order.
        public var revealed: [RevealedIdentifier]
        /// Words shaped like pseudonyms that did not authenticate under the key, left as they were.
        public var refused: [String]
    }

    private let cipher: PseudonymCipher

    /// - Parameter cipher: The keyed cipher.
    public init(cipher: PseudonymCipher) {
        self.cipher = cipher
    }

    /// Reveals every pseudonym in `line`: a kind prefix not preceded by a base64url character,
    /// followed by base64url text of at least 9 bytes. When the whole run of base64url characters
    /// does not authenticate, it is tried cut before each '-' or '_' in it (the text around a
    /// pseudonym may go on with those characters).
    public func revealLine(_ line: some Collection<UInt8>) -> LineResult {
        let bytes = Array(line)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var revealed: [RevealedIdentifier] = []
        var refused: [String] = []
        var index = 0
        var copied = 0
        let minimumText = ((PseudonymCipher.tagByteCount + 1) * 4 + 2) / 3
        while index < bytes.count {
            guard index == 0 || !Base64URL.isURLCharacter(bytes[index - 1]),
                let (_, prefixLength) = PseudonymKind.matchingPrefix(bytes[index...])
            else {
                index += 1
                continue
            }
            var end = index + prefixLength
            while end < bytes.count, Base64URL.isURLCharacter(bytes[end]) { end += 1 }
            guard end - index - prefixLength >= minimumText else {
                index += 1
                continue
            }
            // The whole run first, then cut before each '-' or '_' in it, longest first: the text
            // around a pseudonym may continue it with those characters.
            var found: RevealedIdentifier?
            var last = end
            let cuts =
                [end]
                + (index + prefixLength + minimumText..<end).reversed().filter {
                    bytes[$0] == UInt8(ascii: "-") || bytes[$0] == UInt8(ascii: "_")
                }
            for cut in cuts {
                if let revealed = try? cipher.reveal(bytes[index..<cut]) {
                    found = revealed
                    last = cut
                    break
                }
            }
            if let found {
                output.append(contentsOf: bytes[copied..<index])
                output.append(contentsOf: found.text)
                revealed.append(found)
                copied = last
                index = last
            } else {
                if let payload = Base64URL.decode(bytes[(index + prefixLength)..<end]),
                    payload.count > PseudonymCipher.tagByteCount
                {
                    refused.append(String(decoding: bytes[index..<end], as: UTF8.self))
                }
                index = end
            }
        }
        output.append(contentsOf: bytes[copied...])
        return LineResult(line: output, revealed: revealed, refused: refused)
    }
}
