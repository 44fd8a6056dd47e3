// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICEPluginHost
import MICERecords
import MICEWire
import Testing

/// mice-fmt-enhanced: raw line → LogFormat with time zone and the scslog/firewall structured part.
@Suite("Shipped plugins: mice-fmt-enhanced", .timeLimit(.minutes(5)))
struct FormatEnhancedTests {
    static let name = "mice-fmt-enhanced"
    static let berlin = "CET-1CEST,M3.5.0,M10.5.0/3"
    static let configuration: [String: JSONValue] = [
        "domain": .string("example.org"), "host": .string("mice-sensor"), "ip": .string("192.0.2.55"),
        "timezone": .string(berlin),
    ]

    static let suse =
        "Sep  5 18:55:00 fw kernel: SuSE-FW-DROP-DEFAULT IN=eth0 OUT= MAC=00:16:3e:5e:6c:00:52:54:00:12:34:56:08:00 "
        + "SRC=198.51.100.7 DST=192.0.2.1 LEN=60 TOS=0x10 PREC=0x00 TTL=52 ID=4242 DF PROTO=TCP SPT=4444 DPT=22 SYN"
    static let ufw =
        "Mar  3 10:00:06 gw kernel: [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:00:16:3e:5e:6c:00:08:00 "
        + "SRC=203.0.113.9 DST=192.0.2.1 LEN=76 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=53 DPT=33333 LEN=56"
    static let scslog =
        "Sep  5 18:55:01 host scslog2syslog: Syscall: execve | Program: /bin/sh | PID: 4242 | UID: 500 | EUID: 0 "
        + "| Call: execve(\"/usr/bin/id\") | Comment: setuid"
    static let plain = "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0"

    static func decode(_ reply: ModuleReply, layout: LogFormatLayout = .v02) throws -> LogFormat {
        #expect(reply.returnValue == 0)
        #expect(try LogFormat.verifyChecksum(of: reply.data, layout: layout) == .valid)
        return try LogFormat(decoding: reply.data, layout: layout)
    }

    @Test("0.2: zone fields, file: lines kept, SuSEfirewall, netfilter and scslog lines structured")
    func structuredRecords() async throws {
        let calls = [
            ModuleCall(fileType: LogFormat.FTF_FILE, data: Array(Self.plain.utf8)),
            ModuleCall(fileType: LogFormat.FTF_FIREWALL, data: Array(Self.suse.utf8)),
            ModuleCall(fileType: LogFormat.FTF_FIREWALL, data: Array(Self.ufw.utf8)),
            ModuleCall(fileType: LogFormat.FTF_SCSLOG, data: Array(Self.scslog.utf8)),
            ModuleCall(fileType: LogFormat.FTF_FIREWALL, data: Array("not a packet-filter line".utf8)),
            ModuleCall(fileType: LogFormat.FTF_UNKNOWN, data: Array(Self.ufw.utf8)),
        ]
        try await ShippedPlugins.withPlugin(Self.name, layout: .v02, configuration: Self.configuration) { plugin in
            #expect(plugin.initValue == 0)
            let replies = try await plugin.call(batch: calls)
            try #require(replies.count == calls.count)
            let records = try replies.map { try Self.decode($0) }
            for (record, call) in zip(records, calls) {
                #expect(record[text: \.timezone] == "CET CEST")
                #expect(record.daylight == 1)
                #expect(record[text: \.host] == "mice-sensor" && record[text: \.ipAddress] == "192.0.2.55")
                #expect(record.logData == call.data)
                #expect(record.fileType == call.fileType)
                #expect(record.pseudonymized == 0)
            }
            #expect(records[0].logType == .none)
            #expect(replies[0].data[4800..<6604].allSatisfy { $0 == 0 })
            guard case .firewall(let suse) = records[1].logType, case .firewall(let ufw) = records[2].logType,
                case .scsLog(let scs) = records[3].logType
            else {
                Issue.record("structured parts missing: \(records.map(\.logType))")
                return
            }
            #expect(suse[text: \.action] == "DROP-DEFAULT" && suse[text: \.source] == "198.51.100.7")
            #expect(suse.ipLength == 60 && suse.tos == 0x10 && suse.destinationPort == 22 && suse.packetLength == 0)
            #expect(ufw[text: \.action] == "UFW BLOCK" && ufw.ipLength == 76 && ufw.packetLength == 56)
            #expect(ufw[text: \.transportProtocol] == "UDP" && ufw.sourcePort == 53)
            #expect(scs[text: \.syscall] == "execve" && scs.pid == 4242 && scs.uid == 500 && scs.euid == 0)
            #expect(scs[text: \.comment] == "setuid")
            // Nothing parses: kept, with an all-zero union (decoded as an empty firewall record).
            #expect(replies[4].data[4800..<6604].allSatisfy { $0 == 0 })
            #expect(records[5].logType == .none, "detectTypes is off: an untyped line stays plain")
        }
    }

    @Test("UTC zone: 'UTC UTC', no daylight saving, and the record's time is UTC")
    func utc() async throws {
        var configuration = Self.configuration
        configuration["timezone"] = .string("UTC0")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy/MM/dd HH:mm:ss"
        try await ShippedPlugins.withPlugin(Self.name, layout: .v02, configuration: configuration) { plugin in
            let before = formatter.string(from: Date())
            let record = try Self.decode(try await plugin.call(ModuleCall(fileType: 1, data: Array("x".utf8))))
            let after = formatter.string(from: Date())
            #expect(record[text: \.timezone] == "UTC UTC" && record.daylight == 0)
            let stamp = record[text: \.date] + " " + record[text: \.time]
            #expect(stamp >= before && stamp <= after, "\(stamp) not in [\(before), \(after)]")
        }
    }

    @Test("detectTypes: netfilter and scslog lines of untyped files are typed and structured")
    func detectTypes() async throws {
        var configuration = Self.configuration
        configuration["detectTypes"] = .bool(true)
        try await ShippedPlugins.withPlugin(Self.name, layout: .v02, configuration: configuration) { plugin in
            let replies = try await plugin.call(batch: [
                ModuleCall(fileType: LogFormat.FTF_FILE, data: Array(Self.ufw.utf8)),
                ModuleCall(fileType: LogFormat.FTF_FILE, data: Array(Self.scslog.utf8)),
                ModuleCall(fileType: LogFormat.FTF_FILE, data: Array(Self.plain.utf8)),
            ])
            let records = try replies.map { try Self.decode($0) }
            #expect(records.map(\.fileType) == [LogFormat.FTF_FIREWALL, LogFormat.FTF_SCSLOG, LogFormat.FTF_FILE])
            if case .firewall(let ufw) = records[0].logType {
                #expect(ufw.destinationPort == 33333)
            } else {
                Issue.record("no firewall part")
            }
        }
    }

    @Test(
        "seed layout: the line alone, no zone or structured part; long lines cut",
        arguments: [LogFormatLayout.seed, .v02])
    func seedAndLongLines(layout: LogFormatLayout) async throws {
        let long = Array((String(repeating: "SuSE-FW-DROP IN=eth0 OUT= SRC=192.0.2.1 ", count: 200)).utf8)
        try await ShippedPlugins.withPlugin(Self.name, layout: layout, configuration: Self.configuration) { plugin in
            let replies = try await plugin.call(batch: [
                ModuleCall(fileType: LogFormat.FTF_FIREWALL, data: Array(Self.suse.utf8)),
                ModuleCall(fileType: LogFormat.FTF_FIREWALL, data: long),
            ])
            let records = try replies.map { try Self.decode($0, layout: layout) }
            #expect(replies.allSatisfy { $0.data.count == layout.size })
            #expect(records[0][text: \.logData] == Self.suse)
            #expect(records[1].logData.elementsEqual(long.prefix(layout.logDataCapacity - 1)))
            if layout == .seed {
                #expect(records[0].timezone.isEmpty && records[0].logType == .none)
            } else if case .firewall(let record) = records[1].logType {
                #expect(record[text: \.action] == "DROP" && record[text: \.source] == "192.0.2.1")
            } else {
                Issue.record("no firewall part in the long line")
            }
        }
    }
}
