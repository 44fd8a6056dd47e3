// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

/// `SCSLogFormat`: system-call audit data in the `logtype` union of a 0.2 `LogFormat` (1804 bytes).
///
/// Offsets relative to the union: `cSyscall[256]` 0, `cProgram[255]` 256, one pad byte, `PID` 512,
/// `UID` 516, `EUID` 520 (little-endian), `cCall[1024]` 524, `cComment[256]` 1548.
public struct SCSLogFormat: Hashable, Sendable, TextFieldAccessible {
    /// `cSyscall[256]`: the system call's name.
    public var syscall: [UInt8]
    /// `cProgram[255]`: the program that made the call.
    public var program: [UInt8]
    /// `PID` (`pid_t`).
    public var pid: Int32
    /// `UID` (`uid_t`).
    public var uid: UInt32
    /// `EUID` (`uid_t`).
    public var euid: UInt32
    /// `cCall[1024]`: the call with its arguments.
    public var call: [UInt8]
    /// `cComment[256]`.
    public var comment: [UInt8]

    /// `sizeof(SCSLogFormat)`.
    public static let size = 1804

    /// Creates a record; every field defaults to empty or zero.
    public init(
        syscall: [UInt8] = [], program: [UInt8] = [], pid: Int32 = 0, uid: UInt32 = 0, euid: UInt32 = 0,
        call: [UInt8] = [], comment: [UInt8] = []
    ) {
        self.syscall = syscall
        self.program = program
        self.pid = pid
        self.uid = uid
        self.euid = euid
        self.call = call
        self.comment = comment
    }

    init(reader: RecordReader, base: Int) {
        syscall = reader.text(at: base + 0, size: 256)
        program = reader.text(at: base + 256, size: 255)
        pid = reader.int32LE(at: base + 512)
        uid = reader.uint32LE(at: base + 516)
        euid = reader.uint32LE(at: base + 520)
        call = reader.text(at: base + 524, size: 1024)
        comment = reader.text(at: base + 1548, size: 256)
    }

    func write(to writer: RecordWriter, base: Int) {
        writer.setText(syscall, at: base + 0, size: 256)
        writer.setText(program, at: base + 256, size: 255)
        writer.setInt32LE(pid, at: base + 512)
        writer.setUInt32LE(uid, at: base + 516)
        writer.setUInt32LE(euid, at: base + 520)
        writer.setText(call, at: base + 524, size: 1024)
        writer.setText(comment, at: base + 1548, size: 256)
    }
}

extension SCSLogFormat {
    private static let recordType = "SCSLogFormat"
    private static let keys: Set<String> = ["cSyscall", "cProgram", "PID", "UID", "EUID", "cCall", "cComment"]

    /// The record as a JSON object keyed by the C field names.
    public var jsonObject: JSONValue {
        .object([
            "cSyscall": RecordJSON.bytes(syscall),
            "cProgram": RecordJSON.bytes(program),
            "PID": .int(Int64(pid)),
            "UID": .int(Int64(uid)),
            "EUID": .int(Int64(euid)),
            "cCall": RecordJSON.bytes(call),
            "cComment": RecordJSON.bytes(comment),
        ])
    }

    /// Reads the record from the JSON form of ``jsonObject``.
    /// - Parameter json: The JSON object.
    /// - Throws: ``RecordError`` naming the field at fault.
    public init(json: JSONValue) throws(RecordError) {
        let type = Self.recordType
        let object = try RecordJSON.object(json, allowed: Self.keys, recordType: type)
        self.init(
            syscall: try RecordJSON.bytes(from: object["cSyscall"], recordType: type, field: "cSyscall"),
            program: try RecordJSON.bytes(from: object["cProgram"], recordType: type, field: "cProgram"),
            pid: try RecordJSON.integer(from: object["PID"], as: Int32.self, recordType: type, field: "PID"),
            uid: try RecordJSON.integer(from: object["UID"], as: UInt32.self, recordType: type, field: "UID"),
            euid: try RecordJSON.integer(from: object["EUID"], as: UInt32.self, recordType: type, field: "EUID"),
            call: try RecordJSON.bytes(from: object["cCall"], recordType: type, field: "cCall"),
            comment: try RecordJSON.bytes(from: object["cComment"], recordType: type, field: "cComment")
        )
    }
}
