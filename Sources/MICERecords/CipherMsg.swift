// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The cipher envelope of the original protocol, for any inner record: `CipherMsg` (around a
/// LogFormat: 1712 bytes seed, 6632 bytes 0.2), `CipherIdmefMsg` (10267, around IdmefMsgFormat)
/// and `stCipherRctMsg` (20596 i386 / 41088 x86_64, around stReactionMsg).
///
/// Packed layout: `IVLen` u32 at 0, `IV[16]` at 4, `CipherTextLen` u32 at 20, the inner record
/// (encrypted or plain) at 24. Both lengths are in host order, little-endian on the original's
/// x86 hosts. `IVLen == 0` means the inner record is plaintext; receivers must reject a
/// `CipherTextLen` other than the inner record's size.
///
/// This type only frames bytes; encryption is in `MICECrypto`.
public struct CipherMsg: Hashable, Sendable {
    /// `IVLen`: 16 when encrypted, 0 for plaintext (receivers only test for zero).
    public var ivLength: UInt32
    /// `IV[16]`: the CFB initialisation vector, sent in clear (unused when plaintext). Encoding
    /// stores exactly 16 bytes, zero-padding or truncating.
    public var iv: [UInt8]
    /// `cCipherText`: the inner record, encrypted or plain. Its count is `CipherTextLen`.
    public var payload: [UInt8]

    /// Size of the fields before the payload.
    public static let headerSize = 24
    /// Size of the `IV` field.
    public static let ivSize = 16
    /// Offset of `CipherTextLen`.
    public static let cipherTextLengthOffset = 20

    /// `sizeof(CipherMsg)` with the seed's 1688-byte LogFormat.
    public static let seedLogFormatSize = 1712
    /// `sizeof(CipherMsg)` with the 0.2 LogFormat.
    public static let logFormatSize = 6632
    /// `sizeof(CipherIdmefMsg)`.
    public static let idmefSize = 10267

    /// Creates an envelope.
    /// - Parameters:
    ///   - ivLength: `IVLen`; 16 for an encrypted payload, 0 for plaintext.
    ///   - iv: The IV (16 bytes).
    ///   - payload: The inner record, encrypted or plain.
    public init(ivLength: UInt32, iv: [UInt8], payload: [UInt8]) {
        self.ivLength = ivLength
        self.iv = iv
        self.payload = payload
    }

    /// A plaintext envelope (`IVLen = 0`, zero IV) around an encoded inner record.
    /// - Parameter inner: The encoded inner record.
    /// - Returns: The envelope.
    public static func plaintext(_ inner: [UInt8]) -> CipherMsg {
        CipherMsg(ivLength: 0, iv: [UInt8](repeating: 0, count: ivSize), payload: inner)
    }

    /// Whether the payload is encrypted (`IVLen != 0`).
    public var isEncrypted: Bool { ivLength != 0 }

    /// `CipherTextLen`: the payload's size.
    public var cipherTextLength: UInt32 { UInt32(truncatingIfNeeded: payload.count) }

    /// The envelope size for an inner record of `innerSize` bytes.
    /// - Parameter innerSize: `sizeof` the inner record.
    /// - Returns: `24 + innerSize`.
    public static func size(innerSize: Int) -> Int { headerSize + innerSize }

    /// Decodes an envelope that must carry an inner record of `innerSize` bytes.
    /// - Parameters:
    ///   - bytes: Exactly `24 + innerSize` bytes.
    ///   - innerSize: The inner record's size, which `CipherTextLen` must equal.
    ///   - recordType: The C name used in errors (`CipherMsg`, `CipherIdmefMsg`, `stCipherRctMsg`).
    /// - Throws: ``RecordError``: `truncatedRecord`/`sizeMismatch` for a wrong size,
    ///   `cipherTextLengthMismatch` (at offset 20) for a wrong `CipherTextLen`.
    public init(decoding bytes: some Collection<UInt8>, innerSize: Int, recordType: String = "CipherMsg")
        throws(RecordError)
    {
        self = try RecordReader.withRecord(bytes, size: Self.size(innerSize: innerSize), recordType: recordType) {
            reader throws(RecordError) in
            let declared = reader.uint32LE(at: Self.cipherTextLengthOffset)
            guard declared == innerSize else {
                throw RecordError(
                    .cipherTextLengthMismatch, recordType: recordType, field: "CipherTextLen",
                    offset: Self.cipherTextLengthOffset, detail: "\(declared), expected \(innerSize)")
            }
            let buffer = reader.bytes
            return CipherMsg(
                ivLength: reader.uint32LE(at: 0),
                iv: Array(buffer[4..<(4 + Self.ivSize)]),
                payload: Array(buffer[Self.headerSize...]))
        }
    }

    /// Decodes the envelope of a known inner record kind.
    /// - Parameters:
    ///   - bytes: Exactly `kind.envelopeSize` bytes.
    ///   - kind: The inner record kind.
    /// - Throws: ``RecordError`` as ``init(decoding:innerSize:recordType:)``.
    public init(decoding bytes: some Collection<UInt8>, kind: RecordKind) throws(RecordError) {
        try self.init(decoding: bytes, innerSize: kind.size, recordType: kind.envelopeName)
    }

    /// Encodes the envelope: header, then the payload.
    /// - Returns: `24 + payload.count` bytes.
    public func encode() -> [UInt8] {
        RecordWriter.makeRecord(size: Self.size(innerSize: payload.count)) { writer in
            writer.setUInt32LE(ivLength, at: 0)
            writer.setRaw(iv, at: 4, size: Self.ivSize)
            writer.setUInt32LE(cipherTextLength, at: Self.cipherTextLengthOffset)
            writer.setRaw(payload, at: Self.headerSize, size: payload.count)
        }
    }
}
