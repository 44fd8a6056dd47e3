// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

/// `stExecMsg`: the "execute a reaction" member of a ``ReactionMessage``'s union (2176 bytes on
/// i386 and x86_64).
///
/// Layout: `alert_id[101]` at 0, 3 pad bytes, `reaction_id` at 104 (network order),
/// `uid_for_exec` at 108 and `gid_for_exec` at 112 (host order, little-endian), `function_id` at
/// 116 and `num_of_args` at 120 (network order), `arg_fmt_string[1025]` at 124,
/// `arg_fmt_param[1025]` at 1149, 2 pad bytes.
public struct ExecMessage: Hashable, Sendable, TextFieldAccessible {
    /// `alert_id`: the alert ID (at most 100 bytes stored).
    public var alertID: [UInt8]
    /// `reaction_id`: the reaction ID that triggered it (informational).
    public var reactionID: UInt32
    /// `uid_for_exec`: the intended uid (ignored by the original daemon).
    public var uidForExec: UInt32
    /// `gid_for_exec`: the intended gid (ignored by the original daemon).
    public var gidForExec: UInt32
    /// `function_id`: selects the reaction module.
    public var functionID: UInt32
    /// `num_of_args`: the number of arguments (never checked by the original).
    public var numberOfArgs: UInt32
    /// `arg_fmt_string`: the argument string for the module (at most 1024 bytes stored).
    public var argFormatString: [UInt8]
    /// `arg_fmt_param`: "printf-like parameters", unused (at most 1024 bytes stored).
    public var argFormatParameters: [UInt8]

    /// `sizeof(stExecMsg)`.
    public static let size = 2176
    /// `MAX_ARGSTRG_SIZE`.
    public static let MAX_ARGSTRG_SIZE = 1024
    /// `MAX_FMTSTRG_SIZE`.
    public static let MAX_FMTSTRG_SIZE = 1024

    /// Creates a message; every field defaults to empty or zero.
    public init(
        alertID: [UInt8] = [], reactionID: UInt32 = 0, uidForExec: UInt32 = 0, gidForExec: UInt32 = 0,
        functionID: UInt32 = 0, numberOfArgs: UInt32 = 0, argFormatString: [UInt8] = [],
        argFormatParameters: [UInt8] = []
    ) {
        self.alertID = alertID
        self.reactionID = reactionID
        self.uidForExec = uidForExec
        self.gidForExec = gidForExec
        self.functionID = functionID
        self.numberOfArgs = numberOfArgs
        self.argFormatString = argFormatString
        self.argFormatParameters = argFormatParameters
    }

    /// Decodes a message.
    /// - Parameter bytes: Exactly 2176 bytes.
    /// - Throws: ``RecordError`` when the size is wrong.
    public init(decoding bytes: some Collection<UInt8>) throws(RecordError) {
        self = try RecordReader.withRecord(bytes, size: Self.size, recordType: "stExecMsg") { reader in
            ExecMessage(reader: reader, base: 0)
        }
    }

    /// Encodes the message.
    /// - Returns: 2176 bytes.
    public func encode() -> [UInt8] {
        RecordWriter.makeRecord(size: Self.size) { write(to: $0, base: 0) }
    }

    init(reader: RecordReader, base: Int) {
        alertID = reader.text(at: base + 0, size: 101)
        reactionID = reader.uint32BE(at: base + 104)
        uidForExec = reader.uint32LE(at: base + 108)
        gidForExec = reader.uint32LE(at: base + 112)
        functionID = reader.uint32BE(at: base + 116)
        numberOfArgs = reader.uint32BE(at: base + 120)
        argFormatString = reader.text(at: base + 124, size: 1025)
        argFormatParameters = reader.text(at: base + 1149, size: 1025)
    }

    func write(to writer: RecordWriter, base: Int) {
        writer.setText(alertID, at: base + 0, size: 101)
        writer.setUInt32BE(reactionID, at: base + 104)
        writer.setUInt32LE(uidForExec, at: base + 108)
        writer.setUInt32LE(gidForExec, at: base + 112)
        writer.setUInt32BE(functionID, at: base + 116)
        writer.setUInt32BE(numberOfArgs, at: base + 120)
        writer.setText(argFormatString, at: base + 124, size: 1025)
        writer.setText(argFormatParameters, at: base + 1149, size: 1025)
    }
}

extension ExecMessage {
    private static let recordType = "stExecMsg"
    private static let keys: Set<String> = [
        "alert_id", "reaction_id", "uid_for_exec", "gid_for_exec", "function_id", "num_of_args", "arg_fmt_string",
        "arg_fmt_param",
    ]

    /// The message as a JSON object keyed by the C field names (numbers in host value).
    public var jsonObject: JSONValue {
        .object([
            "alert_id": RecordJSON.bytes(alertID),
            "reaction_id": .int(Int64(reactionID)),
            "uid_for_exec": .int(Int64(uidForExec)),
            "gid_for_exec": .int(Int64(gidForExec)),
            "function_id": .int(Int64(functionID)),
            "num_of_args": .int(Int64(numberOfArgs)),
            "arg_fmt_string": RecordJSON.bytes(argFormatString),
            "arg_fmt_param": RecordJSON.bytes(argFormatParameters),
        ])
    }

    /// Reads a message from the JSON form of ``jsonObject``.
    /// - Parameter json: The JSON object.
    /// - Throws: ``RecordError`` naming the field at fault.
    public init(json: JSONValue) throws(RecordError) {
        let type = Self.recordType
        let object = try RecordJSON.object(json, allowed: Self.keys, recordType: type)
        func number(_ key: String) throws(RecordError) -> UInt32 {
            try RecordJSON.integer(from: object[key], as: UInt32.self, recordType: type, field: key)
        }
        func text(_ key: String) throws(RecordError) -> [UInt8] {
            try RecordJSON.bytes(from: object[key], recordType: type, field: key)
        }
        self.init(
            alertID: try text("alert_id"), reactionID: try number("reaction_id"),
            uidForExec: try number("uid_for_exec"),
            gidForExec: try number("gid_for_exec"), functionID: try number("function_id"),
            numberOfArgs: try number("num_of_args"), argFormatString: try text("arg_fmt_string"),
            argFormatParameters: try text("arg_fmt_param")
        )
    }
}
