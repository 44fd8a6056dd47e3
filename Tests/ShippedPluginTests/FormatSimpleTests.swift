// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICEPluginHost
import MICERecords
import MICEWire
import Testing

#if canImport(Glibc)
import Glibc
import MICETestSupport
#endif

/// mice-fmt-simple: raw log line → LogFormat record of the link's layout.
@Suite("Shipped plugins: mice-fmt-simple", .timeLimit(.minutes(5)))
struct FormatSimpleTests {
    static let name = "mice-fmt-simple"
    /// A fixed address, so that no test waits for DNS.
    static let configuration: [String: JSONValue] = [
        "domain": .string(".wlan-vpn.example.org"), "host": .string("mice-sensor"), "ip": .string("192.0.2.55"),
    ]

    /// The local date as the original wrote it, "YYYY/MM/DD".
    static func localDate() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "yyyy/MM/dd"
        return formatter.string(from: Date())
    }

    static func isClockTime(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return text.utf8.count == 8 && parts.count == 3
            && zip(parts, [23, 59, 60]).allSatisfy { part, limit in
                part.count == 2 && part.allSatisfy(\.isASCII) && (Int(part).map { $0 <= limit } ?? false)
            }
    }

    @Test(
        "seed: 1688-byte records with the line, the configured host, domain and address, today's date, a valid checksum"
    )
    func seedRecords() async throws {
        let lines = ["Sep  5 18:55:00 host sshd[1]: Failed password for root", "second line", ""]
        try await ShippedPlugins.withPlugin(Self.name, layout: .seed, configuration: Self.configuration) { plugin in
            #expect(plugin.initValue == 0)
            let before = Self.localDate()
            let replies = try await plugin.call(
                batch: lines.map { ModuleCall(fileType: LogFormat.FTF_FILE, data: Array($0.utf8)) })
            let after = Self.localDate()
            #expect(replies.count == lines.count)
            for (line, reply) in zip(lines, replies) {
                #expect(reply.returnValue == 0)
                #expect(reply.data.count == 1688)
                let record = try LogFormat(decoding: reply.data, layout: .seed)
                #expect(record[text: \.logData] == line)
                #expect(record[text: \.host] == "mice-sensor")
                #expect(record[text: \.domain] == ".wlan-vpn.example.org")
                #expect(record[text: \.ipAddress] == "192.0.2.55")
                #expect([before, after].contains(record[text: \.date]), "date \(record[text: \.date])")
                #expect(Self.isClockTime(record[text: \.time]), "time \(record[text: \.time])")
                #expect(record[text: \.operatingSystem] == "Linux")
                #expect(!record.release.isEmpty && record.release.count <= 19)
                #expect(try LogFormat.verifyChecksum(of: reply.data, layout: .seed) == .valid)
            }
        }
    }

    @Test("0.2: 6608-byte records carry the CALL's fileType, and the checksum covers it")
    func v02RecordsCarryFileType() async throws {
        let fileTypes = [LogFormat.FTF_FILE, LogFormat.FTF_SCSLOG, LogFormat.FTF_FIREWALL, LogFormat.FTF_UNKNOWN]
        try await ShippedPlugins.withPlugin(Self.name, layout: .v02, configuration: Self.configuration) { plugin in
            let replies = try await plugin.call(
                batch: fileTypes.map { ModuleCall(fileType: $0, data: Array("line of type \($0)".utf8)) })
            for (fileType, reply) in zip(fileTypes, replies) {
                #expect(reply.returnValue == 0)
                #expect(reply.data.count == 6608)
                let record = try LogFormat(decoding: reply.data, layout: .v02)
                #expect(record.fileType == fileType)
                #expect(record[text: \.logData] == "line of type \(fileType)")
                #expect(record[text: \.domain] == ".wlan-vpn.example.org")
                #expect(record.pseudonymized == 0)
                #expect(record.timezone.isEmpty && record.daylight == 0)
                #expect(reply.data[4800..<6604].allSatisfy { $0 == 0 }, "the logtype union is not filled")
                // Checksummed after uiFileType was set: valid as is, not only with uiFileType = 0.
                #expect(try LogFormat.verifyChecksum(of: reply.data, layout: .v02) == .valid)
            }
        }
    }

    @Test(
        "a 5000-byte line is cut to the field (1023 / 4095 bytes), never beyond it",
        arguments: [LogFormatLayout.seed, .v02])
    func longLineIsTruncated(layout: LogFormatLayout) async throws {
        let line = (0..<5000).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        try await ShippedPlugins.withPlugin(Self.name, layout: layout, configuration: Self.configuration) { plugin in
            let reply = try await plugin.call(ModuleCall(fileType: LogFormat.FTF_SCSLOG, data: line))
            #expect(reply.returnValue == 0)
            #expect(reply.data.count == layout.size)
            let stored = layout.logDataCapacity - 1
            #expect(stored == (layout == .seed ? 1023 : 4095))
            let field = Array(reply.data[layout.logDataOffset..<(layout.logDataOffset + layout.logDataCapacity)])
            #expect(field.prefix(stored).elementsEqual(line.prefix(stored)))
            #expect(field.last == 0)
            let record = try LogFormat(decoding: reply.data, layout: layout)
            #expect(record.logData.count == stored)
            #expect(record.logData.elementsEqual(line.prefix(stored)))
            #expect(try LogFormat.verifyChecksum(of: reply.data, layout: layout) == .valid)
            if layout == .v02 {
                // What follows cLogdata is intact: uiFileType, uiPseudonymized, a zero union.
                #expect(record.fileType == LogFormat.FTF_SCSLOG)
                #expect(record.pseudonymized == 0)
                #expect(reply.data[4800..<6604].allSatisfy { $0 == 0 })
            }
        }
    }

    @Test("without host and domain: gethostname() and an empty domain")
    func defaultHost() async throws {
        var name = [CChar](repeating: 0, count: 256)
        try #require(gethostname(&name, name.count - 1) == 0)
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        try await ShippedPlugins.withPlugin(Self.name, configuration: ["ip": .string("192.0.2.56")]) { plugin in
            let reply = try await plugin.call(ModuleCall(fileType: LogFormat.FTF_FILE, data: Array("x".utf8)))
            let record = try LogFormat(decoding: reply.data, layout: .seed)
            #expect(record[text: \.host] == host)
            #expect(record.domain.isEmpty)
            #expect(record[text: \.ipAddress] == "192.0.2.56")
        }
    }
}
