// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

/// `IdmefMsgFormat`: an IDMEF XML alert from an analysis agent to the management host
/// (10243 bytes, packed), sent inside a `CipherIdmefMsg` (``CipherMsg`` of 10267 bytes).
///
/// Layout: `cIdmefMsg[10241]` at 0 (at most 10240 bytes of XML, NUL-terminated, zero-padded),
/// `sChkSum` at the odd offset 10241 (little-endian), the checksum over all 10243 bytes with the
/// field zero.
public struct IdmefMsgFormat: Hashable, Sendable, TextFieldAccessible {
    /// `cIdmefMsg`: the IDMEF XML text.
    public var message: [UInt8]
    /// `sChkSum`: the stored checksum, as decoded or as given.
    public var checksum: UInt16

    /// `sizeof(IdmefMsgFormat)`.
    public static let size = 10243
    /// Offset of `sChkSum` (odd: the struct is packed).
    public static let checksumOffset = 10241
    /// Size of the `cIdmefMsg` field.
    public static let messageCapacity = 10241
    /// `MAX_IDMEFMSGSIZE`: the longest message stored.
    public static let MAX_IDMEFMSGSIZE = 10240

    static let recordType = "IdmefMsgFormat"

    /// Creates a record.
    /// - Parameters:
    ///   - message: The XML text; encoding stores at most 10240 bytes.
    ///   - checksum: The stored checksum, used when encoding without computing one.
    public init(message: [UInt8] = [], checksum: UInt16 = 0) {
        self.message = message
        self.checksum = checksum
    }

    /// Decodes a record.
    /// - Parameter bytes: Exactly 10243 bytes.
    /// - Throws: ``RecordError`` when the size is wrong.
    public init(decoding bytes: some Collection<UInt8>) throws(RecordError) {
        self = try RecordReader.withRecord(bytes, size: Self.size, recordType: Self.recordType) { reader in
            IdmefMsgFormat(
                message: reader.text(at: 0, size: Self.messageCapacity),
                checksum: reader.uint16LE(at: Self.checksumOffset))
        }
    }

    /// Encodes the record.
    /// - Parameter computeChecksum: `true` to compute and store the checksum; `false` to store
    ///   ``checksum`` as it is.
    /// - Returns: 10243 bytes.
    public func encode(computeChecksum: Bool = true) -> [UInt8] {
        var record = RecordWriter.makeRecord(size: Self.size) { writer in
            writer.setText(message, at: 0, size: Self.messageCapacity)
            writer.setUInt16LE(checksum, at: Self.checksumOffset)
        }
        if computeChecksum {
            record.withUnsafeMutableBytes { buffer in
                let offset = Self.checksumOffset
                let value = InternetChecksum.compute(
                    UnsafeRawBufferPointer(buffer), treatingAsZero: offset..<(offset + 2))
                InternetChecksum.store(value, into: buffer, at: offset)
            }
        }
        return record
    }

    /// Checks ``checksum`` against the record as encoded.
    /// - Returns: The outcome.
    public func verifyChecksum() -> ChecksumVerification {
        encode(computeChecksum: false).withUnsafeBytes {
            ChecksumVerification.check($0, checksumOffset: Self.checksumOffset)
        }
    }

    /// Checks the stored checksum of an encoded record without decoding it.
    /// - Parameter bytes: Exactly 10243 bytes.
    /// - Returns: The outcome.
    /// - Throws: ``RecordError`` when the size is wrong.
    public static func verifyChecksum(of bytes: some Collection<UInt8>) throws(RecordError) -> ChecksumVerification {
        try RecordReader.withRecord(bytes, size: size, recordType: recordType) { reader in
            ChecksumVerification.check(reader.bytes, checksumOffset: checksumOffset)
        }
    }
}

extension IdmefMsgFormat {
    /// The record as a JSON object: `cIdmefMsg`, `sChkSum`, `checksumValid`, `checksumStatus`.
    /// - Parameter verification: The checksum outcome measured on the bytes received; `nil` to
    ///   compute it from this value.
    /// - Returns: A JSON object.
    public func jsonObject(verification: ChecksumVerification? = nil) -> JSONValue {
        var object: [String: JSONValue] = ["cIdmefMsg": RecordJSON.bytes(message)]
        let outcome = verification ?? verifyChecksum()
        object.merge(RecordJSON.checksumMembers(stored: checksum, verification: outcome)) { _, new in new }
        return .object(object)
    }

    /// Reads a record from the JSON form of ``jsonObject(verification:)``.
    /// - Parameter json: The JSON object.
    /// - Throws: ``RecordError`` naming the field at fault.
    public init(json: JSONValue) throws(RecordError) {
        let type = Self.recordType
        let allowed = RecordJSON.checksumInfoKeys.union(["cIdmefMsg", "sChkSum"])
        let object = try RecordJSON.object(json, allowed: allowed, recordType: type)
        self.init(
            message: try RecordJSON.bytes(from: object["cIdmefMsg"], recordType: type, field: "cIdmefMsg"),
            checksum: try RecordJSON.integer(
                from: object["sChkSum"], as: UInt16.self, recordType: type, field: "sChkSum")
        )
    }
}
