// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

/// `RIDMsgFormat`: an alert handed from act-generic to a reaction agent through the FIFO of its
/// reaction ID (12348 bytes, no checksum).
///
/// Layout: `cIdmefMsg[10241]` at 0, `cAlertID[101]` at 10241, `cAlertIDDesc[2001]` at 10342, one
/// pad byte, `iRID` (int, little-endian) at 12344. The original writer copies fixed lengths from
/// shorter strings, so bytes after a field's NUL (and its last byte) are garbage: decoding stops
/// at the first NUL and accepts a field without one.
public struct RIDMsgFormat: Hashable, Sendable, TextFieldAccessible {
    /// `cIdmefMsg`: the alert's IDMEF XML (at most 10240 bytes stored).
    public var idmefMessage: [UInt8]
    /// `cAlertID`: the alert ID from the match file, e.g. "0x1020" (at most 100 bytes stored).
    public var alertID: [UInt8]
    /// `cAlertIDDesc`: the alert's description (at most 2000 bytes stored).
    public var alertIDDescription: [UInt8]
    /// `iRID`: the reaction ID, 1 to 10.
    public var reactionID: Int32

    /// `sizeof(RIDMsgFormat)`.
    public static let size = 12348
    /// `RIDMSG_MAX_ALERTID`.
    public static let RIDMSG_MAX_ALERTID = 100
    /// `RIDMSG_MAX_ALERTDESC`.
    public static let RIDMSG_MAX_ALERTDESC = 2000

    static let recordType = "RIDMsgFormat"
    private static let alertIDOffset = 10241
    private static let descriptionOffset = 10342
    private static let reactionIDOffset = 12344

    /// Creates a record; every field defaults to empty or zero.
    public init(
        idmefMessage: [UInt8] = [], alertID: [UInt8] = [], alertIDDescription: [UInt8] = [], reactionID: Int32 = 0
    ) {
        self.idmefMessage = idmefMessage
        self.alertID = alertID
        self.alertIDDescription = alertIDDescription
        self.reactionID = reactionID
    }

    /// Decodes a record.
    /// - Parameter bytes: Exactly 12348 bytes.
    /// - Throws: ``RecordError`` when the size is wrong.
    public init(decoding bytes: some Collection<UInt8>) throws(RecordError) {
        self = try RecordReader.withRecord(bytes, size: Self.size, recordType: Self.recordType) { reader in
            RIDMsgFormat(
                idmefMessage: reader.text(at: 0, size: IdmefMsgFormat.messageCapacity),
                alertID: reader.text(at: Self.alertIDOffset, size: Self.RIDMSG_MAX_ALERTID + 1),
                alertIDDescription: reader.text(at: Self.descriptionOffset, size: Self.RIDMSG_MAX_ALERTDESC + 1),
                reactionID: reader.int32LE(at: Self.reactionIDOffset))
        }
    }

    /// Encodes the record, every field NUL-terminated and zero-padded.
    /// - Returns: 12348 bytes.
    public func encode() -> [UInt8] {
        RecordWriter.makeRecord(size: Self.size) { writer in
            writer.setText(idmefMessage, at: 0, size: IdmefMsgFormat.messageCapacity)
            writer.setText(alertID, at: Self.alertIDOffset, size: Self.RIDMSG_MAX_ALERTID + 1)
            writer.setText(alertIDDescription, at: Self.descriptionOffset, size: Self.RIDMSG_MAX_ALERTDESC + 1)
            writer.setInt32LE(reactionID, at: Self.reactionIDOffset)
        }
    }
}

extension RIDMsgFormat {
    private static let keys: Set<String> = ["cIdmefMsg", "cAlertID", "cAlertIDDesc", "iRID"]

    /// The record as a JSON object: `cIdmefMsg`, `cAlertID`, `cAlertIDDesc`, `iRID`.
    public var jsonObject: JSONValue {
        .object([
            "cIdmefMsg": RecordJSON.bytes(idmefMessage),
            "cAlertID": RecordJSON.bytes(alertID),
            "cAlertIDDesc": RecordJSON.bytes(alertIDDescription),
            "iRID": .int(Int64(reactionID)),
        ])
    }

    /// Reads a record from the JSON form of ``jsonObject``.
    /// - Parameter json: The JSON object.
    /// - Throws: ``RecordError`` naming the field at fault.
    public init(json: JSONValue) throws(RecordError) {
        let type = Self.recordType
        let object = try RecordJSON.object(json, allowed: Self.keys, recordType: type)
        self.init(
            idmefMessage: try RecordJSON.bytes(from: object["cIdmefMsg"], recordType: type, field: "cIdmefMsg"),
            alertID: try RecordJSON.bytes(from: object["cAlertID"], recordType: type, field: "cAlertID"),
            alertIDDescription: try RecordJSON.bytes(
                from: object["cAlertIDDesc"], recordType: type, field: "cAlertIDDesc"),
            reactionID: try RecordJSON.integer(from: object["iRID"], as: Int32.self, recordType: type, field: "iRID")
        )
    }
}
