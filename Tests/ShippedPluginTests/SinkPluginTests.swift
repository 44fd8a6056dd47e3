// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICEPluginHost
import MICERecords
import MICETestSupport
import MICEWire
import Testing

/// The plugins at the ends of the pipeline: postprocessing, reaction, and the empty pseudonymizer.
@Suite("Shipped plugins: postprocessing, reaction, pseudonymizer", .timeLimit(.minutes(5)))
struct SinkPluginTests {
    // MARK: - mice-pop-syslog

    @Test(
        "mice-pop-syslog: init = record size, 0 for valid records, a bad size is ERROR 3 for that call only",
        arguments: [LogFormatLayout.seed, .v02])
    func popSyslog(layout: LogFormatLayout) async throws {
        try await ShippedPlugins.withPlugin("mice-pop-syslog", layout: layout) { plugin in
            #expect(plugin.initValue == Int64(layout.size))
            let records = ["Sep  5 18:55:00 host sshd[1]: Failed password for root", "control\u{1}\u{7F} bytes", ""]
                .map { ModuleCall(data: ShippedPlugins.record($0, layout: layout)) }
            let values = try await plugin.call(batch: records).map(\.returnValue)
            #expect(values == [0, 0, 0])
            let results = try await plugin.callResults(batch: [
                ModuleCall(data: ShippedPlugins.record("fine", layout: layout)),
                ModuleCall(data: Array(repeating: 0x41, count: layout.size - 1)),
                ModuleCall(data: ShippedPlugins.record("after the bad one", layout: layout)),
            ])
            #expect((try? results[0].get())?.returnValue == 0)
            guard case .failure(let error) = results[1] else {
                Issue.record("a record of \(layout.size - 1) bytes was accepted")
                return
            }
            #expect(error.code == .moduleError)
            #expect(error.moduleErrorCode == PluginErrorCode.badCall)
            #expect((try? results[2].get())?.returnValue == 0)
            #expect(plugin.isOpen)
        }
    }

    @Test("mice-pop-syslog: an unknown priority rejects the configuration, naming it")
    func popSyslogBadPriority() async throws {
        let error = try await ShippedPlugins.startError("mice-pop-syslog", configuration: ["priority": .string("loud")])
        #expect(error.code == .configurationRejected)
        #expect(error.detail.contains("\"priority\""), "\(error.detail)")
    }

    // MARK: - mice-rct-log

    @Test("mice-rct-log: init 1, returns 0, logs the countermeasure and runs nothing")
    func reactionLog() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("mice-rct-\(UUID().uuidString)")
        let command = "touch \(marker.path)"
        for configuration: [String: JSONValue] in [["syslog": .bool(false)], [:]] {
            try await ShippedPlugins.withPlugin("mice-rct-log", configuration: configuration) { plugin in
                #expect(plugin.initValue == 1)
                let reply = try await plugin.call(ModuleCall(data: Array(command.utf8)))
                #expect(reply.returnValue == 0)
                let line = await plugin.process.stderr.waitForLine(containing: "countermeasure requested", timeout: 10)
                #expect(line?.contains(command) == true, "\(line ?? "no line")")
                #expect(!FileManager.default.fileExists(atPath: marker.path), "the reaction was executed")
            }
        }
    }

    @Test("mice-rct-log: the argument ends at its first NUL; control bytes become blanks")
    func reactionLogArgument() async throws {
        try await ShippedPlugins.withPlugin("mice-rct-log", configuration: ["syslog": .bool(false)]) { plugin in
            let argument: [UInt8] = Array("block\n192.0.2.7".utf8) + [0] + Array("hidden".utf8)
            let reply = try await plugin.call(ModuleCall(data: argument))
            #expect(reply.returnValue == 0)
            let line = await plugin.process.stderr.waitForLine(containing: "block 192.0.2.7", timeout: 10)
            #expect(line?.contains("countermeasure requested") == true, "\(line ?? "no line")")
            #expect(line?.contains("hidden") == false)
        }
    }

    // MARK: - mice-psd-empty

    @Test("mice-psd-empty: returns 0 with empty data (record unchanged)", arguments: [LogFormatLayout.seed, .v02])
    func pseudonymizerEmpty(layout: LogFormatLayout) async throws {
        try await ShippedPlugins.withPlugin("mice-psd-empty", layout: layout) { plugin in
            #expect(plugin.initValue == 0)
            let calls =
                ShippedPlugins.filterCalls(["user root from 192.0.2.7", ""], layout: layout)
                + ShippedPlugins.filterCalls(["scslog"], layout: layout, fileType: LogFormat.FTF_SCSLOG)
            let replies = try await plugin.call(batch: calls)
            #expect(replies.map(\.returnValue) == [0, 0, 0])
            #expect(replies.allSatisfy { $0.data.isEmpty })
        }
    }
}
