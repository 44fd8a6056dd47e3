// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

extension LogFormat {
    private static let commonKeys: Set<String> = [
        "cHost", "cDomain", "cIP", "cOSystem", "cRelease", "cVersion", "cDate", "cTime", "sChkSum",
    ]
    private static let extendedKeys: Set<String> = [
        "cTimezone", "iDaylight", "uiFileType", "uiPseudonymized", "logtype",
    ]

    /// The record as a JSON object keyed by the C field names of `layout`, with the checksum and
    /// whether it verifies (`checksumValid`, `checksumStatus`).
    ///
    /// The `logtype` union is `null` (all zero), `{"SCSLogFormat": {...}}`,
    /// `{"FirewallLogFormat": {...}}` or `{"raw": bytes}`.
    /// - Parameters:
    ///   - layout: The wire layout; its fields are the keys.
    ///   - verification: The checksum outcome measured on the bytes received; `nil` to compute it
    ///     from this value with ``verifyChecksum(layout:)``.
    /// - Returns: A JSON object.
    public func jsonObject(layout: LogFormatLayout = .seed, verification: ChecksumVerification? = nil) -> JSONValue {
        var object: [String: JSONValue] = [
            "cHost": RecordJSON.bytes(host),
            "cDomain": RecordJSON.bytes(domain),
            "cIP": RecordJSON.bytes(ipAddress),
            "cOSystem": RecordJSON.bytes(operatingSystem),
            "cRelease": RecordJSON.bytes(release),
            "cVersion": RecordJSON.bytes(version),
            "cDate": RecordJSON.bytes(date),
            "cTime": RecordJSON.bytes(time),
            layout.logDataFieldName: RecordJSON.bytes(logData),
        ]
        if layout.hasExtendedFields {
            object["cTimezone"] = RecordJSON.bytes(timezone)
            object["iDaylight"] = .int(Int64(daylight))
            object["uiFileType"] = .int(Int64(fileType))
            object["uiPseudonymized"] = .int(Int64(pseudonymized))
            switch logType {
            case .none: object["logtype"] = .null
            case .scsLog(let scs): object["logtype"] = .object(["SCSLogFormat": scs.jsonObject])
            case .firewall(let firewall): object["logtype"] = .object(["FirewallLogFormat": firewall.jsonObject])
            case .raw(let bytes): object["logtype"] = .object(["raw": RecordJSON.bytes(bytes)])
            }
        }
        let outcome = verification ?? verifyChecksum(layout: layout)
        object.merge(RecordJSON.checksumMembers(stored: checksum, verification: outcome)) { _, new in new }
        return .object(object)
    }

    /// Reads a record from the JSON form of ``jsonObject(layout:verification:)``. Missing fields
    /// are empty or zero; keys of the other layout are an error.
    /// - Parameters:
    ///   - json: The JSON object.
    ///   - layout: The wire layout whose keys are expected.
    /// - Throws: ``RecordError`` naming the field at fault.
    public init(json: JSONValue, layout: LogFormatLayout = .seed) throws(RecordError) {
        let type = Self.recordType
        var allowed = Self.commonKeys.union(RecordJSON.checksumInfoKeys)
        allowed.insert(layout.logDataFieldName)
        if layout.hasExtendedFields { allowed.formUnion(Self.extendedKeys) }
        let object = try RecordJSON.object(json, allowed: allowed, recordType: type)
        func text(_ key: String) throws(RecordError) -> [UInt8] {
            try RecordJSON.bytes(from: object[key], recordType: type, field: key)
        }
        self.init(
            host: try text("cHost"), domain: try text("cDomain"), ipAddress: try text("cIP"),
            operatingSystem: try text("cOSystem"), release: try text("cRelease"), version: try text("cVersion"),
            date: try text("cDate"), time: try text("cTime"), logData: try text(layout.logDataFieldName),
            checksum: try RecordJSON.integer(
                from: object["sChkSum"], as: UInt16.self, recordType: type, field: "sChkSum")
        )
        guard layout.hasExtendedFields else { return }
        timezone = try text("cTimezone")
        daylight = try RecordJSON.integer(
            from: object["iDaylight"], as: Int32.self, recordType: type, field: "iDaylight")
        fileType = try RecordJSON.integer(
            from: object["uiFileType"], as: UInt32.self, recordType: type, field: "uiFileType")
        pseudonymized = try RecordJSON.integer(
            from: object["uiPseudonymized"], as: UInt32.self, recordType: type, field: "uiPseudonymized")
        logType = try Self.logType(from: object["logtype"])
    }

    private static func logType(from json: JSONValue?) throws(RecordError) -> LogTypeData {
        guard let json, json != .null else { return .none }
        let member = try RecordJSON.object(
            json, allowed: ["SCSLogFormat", "FirewallLogFormat", "raw"], recordType: recordType, field: "logtype")
        guard member.count == 1, let (name, value) = member.first else {
            throw RecordError(
                .invalidJSON, recordType: recordType, field: "logtype", detail: "expected exactly one union member")
        }
        switch name {
        case "SCSLogFormat": return .scsLog(try SCSLogFormat(json: value))
        case "FirewallLogFormat": return .firewall(try FirewallLogFormat(json: value))
        default: return .raw(try RecordJSON.bytes(from: value, recordType: recordType, field: "logtype"))
        }
    }
}
