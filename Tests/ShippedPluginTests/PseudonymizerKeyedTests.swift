// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICEPluginHost
import MICEPseudonym
import MICERecords
import MICEWire
import Testing

/// mice-psd-keyed: identifiers in records → keyed pseudonyms, revealed by the key alone.
@Suite("Shipped plugins: mice-psd-keyed", .timeLimit(.minutes(5)))
struct PseudonymizerKeyedTests {
    static let name = "mice-psd-keyed"
    static let key = PseudonymKey.generate()
    static var configuration: [String: JSONValue] { ["key": .string(key.base64)] }

    /// Real lines (Tests/Fixtures/logs, see LICENSE.md there).
    static func fixtureLines() throws -> [String] {
        let path = ShippedPlugins.repositoryRoot + "/Tests/Fixtures/logs/loghub-linux-auth.log"
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test(
        "loghub lines through the host: identifiers replaced, checksum valid, the key reveals the line",
        arguments: LogFormatLayout.allCases)
    func fixtureRecords(layout: LogFormatLayout) async throws {
        let lines = try Self.fixtureLines()
        let revealer = PseudonymRevealer(cipher: PseudonymCipher(key: Self.key))
        try await ShippedPlugins.withPlugin(Self.name, layout: layout, configuration: Self.configuration) { plugin in
            #expect(plugin.initValue == 0)
            let replies = try await plugin.call(batch: ShippedPlugins.filterCalls(lines, layout: layout))
            try #require(replies.count == lines.count)
            for (line, reply) in zip(lines, replies) {
                #expect(reply.returnValue == 0)
                if line.contains("check pass; user unknown") {
                    #expect(reply.data.isEmpty, "nothing to replace: unchanged")
                    continue
                }
                try #require(reply.data.count == layout.size, "\(line)")
                #expect(try LogFormat.verifyChecksum(of: reply.data, layout: layout) == .valid)
                let record = try LogFormat(decoding: reply.data, layout: layout)
                let text = record[text: \.logData]
                #expect(text != line)
                for clear in ["uid=0", "root ", "user=root", "218.188.2.4", "hinet", "cyrus", "bugs.build", "163.27"] {
                    #expect(!text.contains(clear), "\(clear) in clear: \(text)")
                }
                #expect(String(decoding: revealer.revealLine(record.logData).line, as: UTF8.self) == line)
                #expect(record.pseudonymized == (layout == .v02 ? 1 : 0))
                #expect(record[text: \.host] == "sensor", "the sensor's own fields stay")
            }
        }
    }

    @Test("stable across module restarts; a keyFile gives the same pseudonyms; another key others")
    func stableAndKeyed() async throws {
        let record = ShippedPlugins.record("Failed password for root from 192.0.2.9 port 22", layout: .seed)
        let call = ModuleCall(fileType: LogFormat.FTF_FILE, data: record)
        let first = try await ShippedPlugins.withPlugin(Self.name, configuration: Self.configuration) {
            try await $0.call(call).data
        }
        let second = try await ShippedPlugins.withPlugin(Self.name, configuration: Self.configuration) {
            try await $0.call(call).data
        }
        #expect(!first.isEmpty && first == second)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mice-psd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let keyFile = folder.appendingPathComponent("pseudonym.key").path
        try (Self.key.base64 + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile)
        let fromFile = try await ShippedPlugins.withPlugin(Self.name, configuration: ["keyFile": .string(keyFile)]) {
            try await $0.call(call).data
        }
        #expect(fromFile == first)

        let other = try await ShippedPlugins.withPlugin(
            Self.name, configuration: ["key": .string(PseudonymKey.generate().base64)]
        ) { try await $0.call(call).data }
        #expect(other != first)
        let otherLine = try LogFormat(decoding: other, layout: .seed).logData
        let result = PseudonymRevealer(cipher: PseudonymCipher(key: Self.key)).revealLine(otherLine)
        #expect(result.revealed.isEmpty && result.refused.count == 2, "another key's pseudonyms do not authenticate")
    }

    @Test("format then pseudonymize (0.2): firewall fields and the line replaced, the rest of the record intact")
    func afterTheEnhancedFormatter() async throws {
        let line =
            "Mar  3 10:00:06 gw kernel: [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:00:16:3e:5e:6c:00:08:00 "
            + "SRC=203.0.113.9 DST=192.0.2.1 LEN=76 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=53 DPT=33333 LEN=56"
        let formatted = try await ShippedPlugins.withPlugin(
            "mice-fmt-enhanced", layout: .v02, configuration: ["host": "gw", "ip": "192.0.2.1", "timezone": "UTC0"]
        ) { try await $0.call(ModuleCall(fileType: LogFormat.FTF_FIREWALL, data: Array(line.utf8))).data }
        let reply = try await ShippedPlugins.withPlugin(Self.name, layout: .v02, configuration: Self.configuration) {
            try await $0.call(ModuleCall(fileType: LogFormat.FTF_FIREWALL, data: formatted))
        }
        #expect(try LogFormat.verifyChecksum(of: reply.data, layout: .v02) == .valid)
        let before = try LogFormat(decoding: formatted, layout: .v02)
        let after = try LogFormat(decoding: reply.data, layout: .v02)
        guard case .firewall(let clear) = before.logType, case .firewall(let hidden) = after.logType else {
            Issue.record("no firewall part")
            return
        }
        let cipher = PseudonymCipher(key: Self.key)
        #expect(try cipher.reveal(hidden.source).string == "203.0.113.9")
        #expect(try cipher.reveal(hidden.destination).string == "192.0.2.1")
        // cMAC[30] held the MAC= bytes cut to 29 characters (ten pairs); their pseudonym fits.
        #expect(clear[text: \.mac] == "52:54:00:12:34:56:00:16:3e:5e")
        #expect(try cipher.reveal(hidden.mac).string == "52:54:00:12:34:56:00:16:3e:5e")
        #expect(hidden.action == clear.action && hidden.ipLength == 76 && hidden.packetLength == 56)
        #expect(hidden.destinationPort == 33333 && hidden.ttl == 64)
        #expect(after.pseudonymized == 1)
        #expect(after.timezone == before.timezone && after.date == before.date && after.host == before.host)
        #expect(!after[text: \.logData].contains("203.0.113.9"))
        #expect(
            String(decoding: PseudonymRevealer(cipher: cipher).revealLine(after.logData).line, as: UTF8.self) == line)
    }

    @Test("no key, a short key, a bad pattern: the start fails naming the key; exit 78")
    func configurationErrors() async throws {
        let missing = try await ShippedPlugins.startError(Self.name, configuration: [:])
        #expect(missing.code == .configurationRejected)
        #expect(missing.detail.contains("\"key\"") && missing.detail.contains("no key"), "\(missing.detail)")
        #expect(missing.exitStatus == .exited(78))
        let short = try await ShippedPlugins.startError(Self.name, configuration: ["key": "c2hvcnQ="])
        #expect(short.detail.contains("\"key\""), "\(short.detail)")
        let pattern = try await ShippedPlugins.startError(
            Self.name,
            configuration: [
                "key": .string(Self.key.base64), "extraPatterns": [["kind": "user", "pattern": "name=(\\w+)"]],
            ])
        #expect(pattern.detail.contains("extraPatterns[0].pattern"), "\(pattern.detail)")
    }

    @Test("a record of the wrong size is ERROR 3; the session goes on")
    func wrongSize() async throws {
        try await ShippedPlugins.withPlugin(Self.name, configuration: Self.configuration) { plugin in
            let results = try await plugin.callResults(batch: [
                ModuleCall(fileType: 1, data: ShippedPlugins.record("user=root", layout: .v02)),
                ModuleCall(fileType: 1, data: ShippedPlugins.record("user=root", layout: .seed)),
            ])
            guard case .failure(let error) = results[0] else {
                Issue.record("a 6608-byte record on a seed link was accepted")
                return
            }
            #expect(error.moduleErrorCode == PluginErrorCode.badCall)
            #expect((try? results[1].get())?.data.count == 1688)
        }
    }
}
