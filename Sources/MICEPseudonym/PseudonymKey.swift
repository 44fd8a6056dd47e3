// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Crypto

#if canImport(Glibc)
import Glibc
#endif

/// The master key of the keyed pseudonymizer: at least 16 random bytes, written as standard
/// base64 (what `micectl pseudo keygen` prints). Whoever holds it can reveal every pseudonym made
/// with it; keep it off the sensors' shared configuration where possible (`keyFile`, mode 0600).
public struct PseudonymKey: Sendable {
    /// The smallest key accepted.
    public static let minimumByteCount = 16
    /// The size of generated keys.
    public static let defaultByteCount = 32

    /// The key bytes.
    public let bytes: [UInt8]

    /// Wraps raw key bytes.
    /// - Throws: ``PseudonymError`` (`badKey`) when shorter than ``minimumByteCount``.
    public init(bytes: [UInt8]) throws(PseudonymError) {
        guard bytes.count >= Self.minimumByteCount else {
            throw PseudonymError(
                .badKey, "the key has \(bytes.count) bytes; at least \(Self.minimumByteCount) are needed")
        }
        self.bytes = bytes
    }

    private init(unchecked bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Reads a base64 key (standard alphabet; blanks and line breaks ignored).
    /// - Throws: ``PseudonymError`` (`badKey`) when the text is not base64 or the key too short.
    public init(base64 text: String) throws(PseudonymError) {
        guard let bytes = Base64URL.decodeStandard(text), !bytes.isEmpty else {
            throw PseudonymError(.badKey, "the key is not base64 (make one with `micectl pseudo keygen`)")
        }
        try self.init(bytes: bytes)
    }

    /// Reads a base64 key from a file (what `micectl pseudo keygen > FILE` wrote).
    /// - Throws: ``PseudonymError``: `keyFile` naming the path when it cannot be read, `badKey`
    ///   when its content is no key.
    public init(contentsOfFile path: String) throws(PseudonymError) {
        let text = try Self.readSmallFile(path)
        do {
            try self.init(base64: text)
        } catch {
            throw PseudonymError(.badKey, "key file \(path): \(error.message)")
        }
    }

    /// A new random key of `byteCount` bytes from the system's generator.
    public static func generate(byteCount: Int = defaultByteCount) -> PseudonymKey {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<max(byteCount, minimumByteCount)).map { _ in UInt8.random(in: .min ... .max, using: &generator)
        }
        return PseudonymKey(unchecked: bytes)
    }

    /// The key as standard base64.
    public var base64: String { Base64URL.encodeStandard(bytes) }

    /// Whether the file at `path` can be read by group or others (a key file should not).
    public static func isReadableByOthers(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return info.st_mode & (S_IRGRP | S_IROTH) != 0
    }

    private static func readSmallFile(_ path: String) throws(PseudonymError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw PseudonymError(.keyFile, "key file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var content: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while content.count <= 65536 {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw PseudonymError(.keyFile, "key file \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            content.append(contentsOf: buffer[0..<count])
        }
        guard content.count <= 65536 else {
            throw PseudonymError(.keyFile, "key file \(path): larger than 64 KiB, not a key")
        }
        return String(decoding: content, as: UTF8.self)
    }

    /// The subkey for `purpose`, derived with HKDF-SHA256 (one master key, independent keys for the
    /// authenticator, the encryption and the numeric permutation).
    func derive(_ purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: bytes), salt: Array("M-ICE pseudonym v1".utf8),
            info: Array(purpose.utf8), outputByteCount: 32)
    }
}
