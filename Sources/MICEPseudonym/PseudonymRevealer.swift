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
    /// followed by base64url text of at least 9 bytes. A trailing '-' or '_' that belongs to the
    /// surrounding text is tried without.
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
            var found: RevealedIdentifier?
            var last = end
            while found == nil, last - index - prefixLength >= minimumText {
                found = try? cipher.reveal(bytes[index..<last])
                if found != nil { break }
                guard bytes[last - 1] == UInt8(ascii: "-") || bytes[last - 1] == UInt8(ascii: "_") else { break }
                last -= 1
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
