// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

extension ReactionMessage {
    private static let keys: Set<String> = RecordJSON.checksumInfoKeys.union([
        "sChkSum", "Timestamp", "Mode", "modeName", "ModeData",
    ])

    /// The message as a JSON object: `sChkSum`, `checksumValid`, `checksumStatus`, `Timestamp`,
    /// `Mode`, `modeName` (informational) and `ModeData` with one member: `{"Exec": {...}}`,
    /// `{"Show": {"show": n}}`, `{"Check": {"function_id": n}}`,
    /// `{"Retval": {"ret_val": n, "name": "RID_..."}}`, `{"Supported": {"supported": n}}` or
    /// `{"raw": bytes}`.
    /// - Parameters:
    ///   - architecture: The architecture variant (for computing the checksum outcome).
    ///   - verification: The checksum outcome measured on the bytes received; `nil` to compute it.
    /// - Returns: A JSON object.
    public func jsonObject(architecture: ReactionArchitecture = .x86_64, verification: ChecksumVerification? = nil)
        -> JSONValue
    {
        var object: [String: JSONValue] = [
            "Timestamp": .int(Int64(timestamp)),
            "Mode": .int(Int64(mode)),
        ]
        if let name = Self.modeName(mode) { object["modeName"] = .string(name) }
        switch modeData {
        case .exec(let exec):
            object["ModeData"] = ["Exec": exec.jsonObject]
        case .show(let value):
            object["ModeData"] = ["Show": ["show": .int(Int64(value))]]
        case .check(let functionID):
            object["ModeData"] = ["Check": ["function_id": .int(Int64(functionID))]]
        case .retval(let value):
            var retval: [String: JSONValue] = ["ret_val": .int(Int64(value))]
            if let name = Self.returnValueName(value) { retval["name"] = .string(name) }
            object["ModeData"] = ["Retval": .object(retval)]
        case .supported(let value):
            object["ModeData"] = ["Supported": ["supported": .int(Int64(value))]]
        case .raw(let bytes):
            object["ModeData"] = ["raw": RecordJSON.bytes(bytes)]
        }
        let outcome = verification ?? verifyChecksum(architecture: architecture)
        object.merge(RecordJSON.checksumMembers(stored: checksum, verification: outcome)) { _, new in new }
        return .object(object)
    }

    /// Reads a message from the JSON form of ``jsonObject(architecture:verification:)``.
    /// A missing `ModeData` is an all-zero union.
    /// - Parameter json: The JSON object.
    /// - Throws: ``RecordError`` naming the field at fault.
    public init(json: JSONValue) throws(RecordError) {
        let type = Self.recordType
        let object = try RecordJSON.object(json, allowed: Self.keys, recordType: type)
        self.init(
            checksum: try RecordJSON.integer(
                from: object["sChkSum"], as: UInt16.self, recordType: type, field: "sChkSum"),
            timestamp: try RecordJSON.integer(
                from: object["Timestamp"], as: UInt32.self, recordType: type, field: "Timestamp"),
            mode: try RecordJSON.integer(from: object["Mode"], as: UInt32.self, recordType: type, field: "Mode"),
            modeData: try Self.modeData(from: object["ModeData"])
        )
    }

    private static func modeData(from json: JSONValue?) throws(RecordError) -> ReactionModeData {
        guard let json, json != .null else { return .raw([]) }
        let type = recordType
        let members = try RecordJSON.object(
            json, allowed: ["Exec", "Show", "Check", "Retval", "Supported", "raw"], recordType: type, field: "ModeData")
        guard members.count == 1, let (name, value) = members.first else {
            throw RecordError(
                .invalidJSON, recordType: type, field: "ModeData", detail: "expected exactly one union member")
        }
        func single<Value: FixedWidthInteger>(_ key: String, extra: Set<String> = [], as: Value.Type)
            throws(RecordError)
            -> Value
        {
            let member = try RecordJSON.object(value, allowed: extra.union([key]), recordType: type, field: name)
            return try RecordJSON.integer(from: member[key], as: Value.self, recordType: type, field: "\(name).\(key)")
        }
        switch name {
        case "Exec": return .exec(try ExecMessage(json: value))
        case "Show": return .show(try single("show", as: UInt32.self))
        case "Check": return .check(functionID: try single("function_id", as: UInt32.self))
        case "Retval": return .retval(try single("ret_val", extra: ["name"], as: Int32.self))
        case "Supported": return .supported(try single("supported", as: UInt32.self))
        default: return .raw(try RecordJSON.bytes(from: value, recordType: type, field: "ModeData.raw"))
        }
    }
}
