// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICERecords

extension RawLogRow {
    /// The row as a JSON object keyed by column name, plus `table`. Times are ISO 8601 in UTC
    /// with milliseconds; byte columns (`logline`, `logtype`) follow ``RecordJSON`` (a string
    /// when valid UTF-8 without NUL, else `{"base64": ...}`), so nothing is lost.
    public var jsonObject: JSONValue {
        var object: [String: JSONValue] = [
            "table": .string(table.name),
            RawLogSchema.primaryKey: .int(lineID),
            "received_at": .string(RawLogTimeFormat.iso8601(receivedAt)),
            "logged_at": .string(RawLogTimeFormat.iso8601(loggedAt)),
            "file_type": .int(Int64(fileType)),
            "pseudonymized": .int(Int64(pseudonymized)),
            "hostname": .string(hostname),
            "domain": .string(domain),
            "ip": .string(ip),
            "osystem": .string(osystem),
            "release": .string(release),
            "version": .string(version),
            "date": .string(date),
            "time": .string(time),
            "timezone": .string(timezone),
            "daylight": .int(Int64(daylight)),
            "logline": RecordJSON.bytes(logline),
        ]
        switch table {
        case .rawlog:
            object["signature"] = signature.map(JSONValue.string) ?? .null
            object["logtype"] = logtype.map(RecordJSON.bytes) ?? .null
        case .scslog:
            let scs = scsLog ?? SCSLogFormat()
            object["syscall"] = .string(scs[text: \.syscall])
            object["program"] = .string(scs[text: \.program])
            object["pid"] = .int(Int64(scs.pid))
            object["uid"] = .int(Int64(scs.uid))
            object["euid"] = .int(Int64(scs.euid))
            object["call"] = .string(scs[text: \.call])
            object["comment"] = .string(scs[text: \.comment])
        case .firewall:
            let firewall = firewall ?? FirewallLogFormat()
            object["action"] = .string(firewall[text: \.action])
            object["if_in"] = .string(firewall[text: \.inputInterface])
            object["if_out"] = .string(firewall[text: \.outputInterface])
            object["mac"] = .string(firewall[text: \.mac])
            object["source"] = .string(firewall[text: \.source])
            object["destination"] = .string(firewall[text: \.destination])
            object["ip_length"] = .int(Int64(firewall.ipLength))
            object["tos"] = .int(Int64(firewall.tos))
            object["prec"] = .int(Int64(firewall.precedence))
            object["ttl"] = .int(Int64(firewall.ttl))
            object["id"] = .int(Int64(firewall.id))
            object["protocol"] = .string(firewall[text: \.transportProtocol])
            object["src_port"] = .int(Int64(firewall.sourcePort))
            object["dst_port"] = .int(Int64(firewall.destinationPort))
            object["pac_length"] = .int(Int64(firewall.packetLength))
        }
        return .object(object)
    }
}
