// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords

/// The original M-ICE record encryption: Twofish-128 in libmcrypt's "cfb" mode (8-bit CFB), with
/// the password itself as key, for links to original components.
///
/// - Warning: This is a **weak legacy mode**, kept only for binary compatibility (spec section 11):
///   the key is a raw password (truncated or zero-padded to 16 bytes, no key derivation), CFB-8 is
///   malleable, and there is no MAC, no sequence number and no replay protection; the only
///   integrity check is the unkeyed Internet checksum of the inner record. Use it on links to
///   original peers only, and prefer passwords of 16 or more characters.
///
/// Unlike the original (`srand(time(0))`), IVs come from the system's cryptographic random
/// generator. Each operation uses its own libmcrypt handle, so a value can be shared between
/// tasks.
public struct LegacyTwofish: Sendable {
    /// The 128-bit Twofish key derived from the password.
    public let key: [UInt8]

    /// Key size in bytes.
    public static let keySize = 16
    /// IV size in bytes (`IVLen` of an encrypted envelope).
    public static let ivSize = 16
    /// The original decoders' `MIN_KEYLEN`: shorter passwords are refused.
    public static let minimumPasswordLength = 5

    /// Derives the key from a password: its UTF-8 bytes up to any NUL, truncated or zero-padded
    /// to 16 bytes, the compatible rule of spec section 5.
    /// - Parameter password: The shared password.
    /// - Throws: ``CryptoError`` with code `keyTooShort` below 5 bytes.
    public init(password: String) throws {
        try self.init(passwordBytes: Array(password.utf8))
    }

    /// Derives the key from password bytes (see ``init(password:)``).
    /// - Parameter passwordBytes: The password's bytes; a NUL ends it, as `strlen` would.
    /// - Throws: ``CryptoError`` with code `keyTooShort` below 5 bytes.
    public init(passwordBytes: [UInt8]) throws {
        let password = passwordBytes.prefix { $0 != 0 }
        guard password.count >= Self.minimumPasswordLength else {
            throw CryptoError(
                .keyTooShort,
                "the key has \(password.count) bytes; at least \(Self.minimumPasswordLength) are required "
                    + "(16 or more recommended)")
        }
        var key = Array(password.prefix(Self.keySize))
        key.append(contentsOf: repeatElement(0, count: Self.keySize - key.count))
        self.key = key
    }

    /// A fresh random IV from the system's cryptographic generator (getrandom on Linux).
    /// - Returns: 16 random bytes.
    public static func makeIV() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var iv: [UInt8] = []
        iv.reserveCapacity(ivSize)
        for _ in 0..<(ivSize / 8) {
            withUnsafeBytes(of: generator.next() as UInt64) { iv.append(contentsOf: $0) }
        }
        return iv
    }

    // MARK: Raw CFB-8

    /// Encrypts bytes (CFB-8, output as long as the input).
    /// - Parameters:
    ///   - plaintext: The bytes to encrypt.
    ///   - iv: 16 bytes.
    /// - Returns: The ciphertext.
    /// - Throws: ``CryptoError`` for a bad IV or a libmcrypt failure.
    public func encrypt(_ plaintext: [UInt8], iv: [UInt8]) throws -> [UInt8] {
        var data = plaintext
        try TwofishCFB8.process(&data, key: key, iv: iv, direction: .encrypt)
        return data
    }

    /// Decrypts bytes (CFB-8, output as long as the input).
    /// - Parameters:
    ///   - ciphertext: The bytes to decrypt.
    ///   - iv: 16 bytes.
    /// - Returns: The plaintext.
    /// - Throws: ``CryptoError`` for a bad IV or a libmcrypt failure.
    public func decrypt(_ ciphertext: [UInt8], iv: [UInt8]) throws -> [UInt8] {
        var data = ciphertext
        try TwofishCFB8.process(&data, key: key, iv: iv, direction: .decrypt)
        return data
    }

    // MARK: Envelopes

    /// Encrypts an encoded inner record into an envelope with `IVLen = 16`.
    /// - Parameters:
    ///   - inner: The encoded inner record, its checksum already computed.
    ///   - iv: The IV to use (tests, reproducible vectors); `nil` for a fresh random one.
    /// - Returns: The envelope.
    /// - Throws: ``CryptoError`` for a bad IV or a libmcrypt failure.
    public func seal(_ inner: [UInt8], iv: [UInt8]? = nil) throws -> CipherMsg {
        let iv = iv ?? Self.makeIV()
        return CipherMsg(ivLength: UInt32(Self.ivSize), iv: iv, payload: try encrypt(inner, iv: iv))
    }

    /// Encodes a LogFormat with a fresh checksum and encrypts it into a `CipherMsg`.
    /// - Parameters:
    ///   - record: The record.
    ///   - layout: The wire layout.
    ///   - iv: The IV, or `nil` for a random one.
    /// - Returns: The envelope (1712 or 6632 bytes encoded).
    /// - Throws: ``CryptoError``.
    public func seal(_ record: LogFormat, layout: LogFormatLayout = .seed, iv: [UInt8]? = nil) throws -> CipherMsg {
        try seal(record.encode(layout: layout, computeChecksum: true), iv: iv)
    }

    /// Encodes an IdmefMsgFormat with a fresh checksum and encrypts it into a `CipherIdmefMsg`.
    /// - Parameters:
    ///   - record: The record.
    ///   - iv: The IV, or `nil` for a random one.
    /// - Returns: The envelope (10267 bytes encoded).
    /// - Throws: ``CryptoError``.
    public func seal(_ record: IdmefMsgFormat, iv: [UInt8]? = nil) throws -> CipherMsg {
        try seal(record.encode(computeChecksum: true), iv: iv)
    }

    /// Encodes an stReactionMsg with a fresh checksum and encrypts it into an `stCipherRctMsg`.
    /// - Parameters:
    ///   - record: The message.
    ///   - architecture: The receiver's architecture variant.
    ///   - iv: The IV, or `nil` for a random one.
    /// - Returns: The envelope.
    /// - Throws: ``CryptoError``.
    public func seal(_ record: ReactionMessage, architecture: ReactionArchitecture = .x86_64, iv: [UInt8]? = nil)
        throws -> CipherMsg
    {
        try seal(record.encode(architecture: architecture, computeChecksum: true), iv: iv)
    }

    /// Opens an envelope: decrypts it when `IVLen != 0`, takes the payload as it is when
    /// `IVLen == 0` (only if `acceptPlaintext`), then verifies the inner record's checksum (the
    /// LogFormat checksum over `uiFileType = 0` of original DataForwarders is accepted).
    /// - Parameters:
    ///   - envelope: The decoded envelope.
    ///   - kind: The inner record kind; the payload must have its size.
    ///   - acceptPlaintext: Whether an unencrypted envelope is accepted. The original accepted
    ///     them without any check, which let anyone inject records (spec section 11).
    ///   - verifyChecksum: Whether a checksum mismatch is an error (a wrong key shows as one).
    /// - Returns: The inner record's bytes and what was checked.
    /// - Throws: ``CryptoError`` (`plaintextRejected`, `checksumMismatch`, libmcrypt failures) or
    ///   ``RecordError`` when the payload has the wrong size.
    public func open(
        _ envelope: CipherMsg, kind: RecordKind, acceptPlaintext: Bool = false, verifyChecksum: Bool = true
    ) throws -> OpenedRecord {
        guard envelope.payload.count == kind.size else {
            throw RecordError(
                .cipherTextLengthMismatch, recordType: kind.envelopeName, field: "CipherTextLen",
                offset: CipherMsg.cipherTextLengthOffset, detail: "\(envelope.payload.count), expected \(kind.size)")
        }
        let inner: [UInt8]
        if envelope.isEncrypted {
            inner = try decrypt(envelope.payload, iv: envelope.iv)
        } else {
            guard acceptPlaintext else {
                throw CryptoError(.plaintextRejected, "\(kind.envelopeName) with IVLen = 0 (not encrypted)")
            }
            inner = envelope.payload
        }
        let verification = try kind.verifyChecksum(of: inner)
        if verifyChecksum, let verification, !verification.isAccepted {
            let hint = envelope.isEncrypted ? " after decryption (wrong key?)" : ""
            throw CryptoError(.checksumMismatch, "\(kind.name) checksum \(verification)\(hint)")
        }
        return OpenedRecord(bytes: inner, wasEncrypted: envelope.isEncrypted, checksum: verification)
    }

    /// Decodes and opens an encoded envelope (see ``open(_:kind:acceptPlaintext:verifyChecksum:)``).
    /// - Parameters:
    ///   - bytes: Exactly `kind.envelopeSize` bytes.
    ///   - kind: The inner record kind.
    ///   - acceptPlaintext: Whether an unencrypted envelope is accepted.
    ///   - verifyChecksum: Whether a checksum mismatch is an error.
    /// - Returns: The inner record's bytes and what was checked.
    /// - Throws: ``RecordError`` for a malformed envelope, ``CryptoError`` as `open`.
    public func open(
        bytes: some Collection<UInt8>, kind: RecordKind, acceptPlaintext: Bool = false, verifyChecksum: Bool = true
    ) throws -> OpenedRecord {
        try open(
            CipherMsg(decoding: bytes, kind: kind), kind: kind, acceptPlaintext: acceptPlaintext,
            verifyChecksum: verifyChecksum)
    }
}
