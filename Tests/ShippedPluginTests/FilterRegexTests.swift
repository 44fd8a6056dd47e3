// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import MICEPluginHost
import MICERecords
import MICETestSupport
import MICEWire
import Testing

/// mice-flt-regex: drops records whose log data matches a PCRE2 rule.
@Suite("Shipped plugins: mice-flt-regex", .timeLimit(.minutes(5)))
struct FilterRegexTests {
    static let name = "mice-flt-regex"

    /// Rules like the original's shipped [FILTER_RULES].
    static let rules: JSONValue = .array([.string("IPUP:"), .string("^DNSENTRY:"), .string("pwc[0-9]+ frame")])

    @Test("keeps and drops per rules, in both layouts", arguments: [LogFormatLayout.seed, .v02])
    func keepAndDrop(layout: LogFormatLayout) async throws {
        let cases: [(String, Int32)] = [
            ("Sep  5 18:55:00 host pppd[7]: IPUP: ppp0 192.0.2.7", 1),
            ("DNSENTRY: host.example.org", 1),
            ("kernel: pwc12 frame lost", 1),
            ("Sep  5 18:55:00 host sshd[1]: Failed password for root", 0),
            ("ipup: lower case is another text", 0),
            ("not at the start: DNSENTRY:", 0),
            ("", 0),
        ]
        try await ShippedPlugins.withPlugin(Self.name, layout: layout, configuration: ["rules": Self.rules]) { plugin in
            #expect(plugin.initValue == 0)
            let values = try await ShippedPlugins.returnValues(
                plugin, ShippedPlugins.filterCalls(cases.map(\.0), layout: layout))
            #expect(values == cases.map(\.1))
        }
    }

    @Test("anchored: matches only at the start of the log data, like the original re_match")
    func anchored() async throws {
        let configuration: [String: JSONValue] = [
            "rules": .array([.string("IPUP:"), .string(".*DNSENTRY:")]), "anchored": .bool(true),
        ]
        let cases: [(String, Int32)] = [
            ("IPUP: at the start", 1),
            ("pppd[7]: IPUP: mid-line, no .* in the rule", 0),
            ("named: DNSENTRY: mid-line, the rule starts with .*", 1),
            ("IPUP:", 1),
            ("sshd: nothing to see", 0),
        ]
        try await ShippedPlugins.withPlugin(Self.name, configuration: configuration) { plugin in
            let values = try await ShippedPlugins.returnValues(
                plugin, ShippedPlugins.filterCalls(cases.map(\.0), layout: .seed))
            #expect(values == cases.map(\.1))
        }
        // The same rules unanchored drop the mid-line record too.
        try await ShippedPlugins.withPlugin(Self.name, configuration: ["rules": configuration["rules"]!]) { plugin in
            let values = try await ShippedPlugins.returnValues(
                plugin, ShippedPlugins.filterCalls(cases.map(\.0), layout: .seed))
            #expect(values == [1, 1, 1, 1, 0])
        }
    }

    @Test("caseless, LAuS records kept (-1), a record of the wrong size is ERROR 3")
    func caselessLausAndBadSize() async throws {
        let configuration: [String: JSONValue] = ["rules": .array([.string("ipup:")]), "caseless": .bool(true)]
        try await ShippedPlugins.withPlugin(Self.name, configuration: configuration) { plugin in
            let results = try await plugin.callResults(batch: [
                ModuleCall(
                    fileType: LogFormat.FTF_FILE, data: ShippedPlugins.record("pppd: IPUP: ppp0", layout: .seed)),
                ModuleCall(
                    fileType: LogFormat.FTF_LAUS, data: ShippedPlugins.record("pppd: IPUP: ppp0", layout: .seed)),
                ModuleCall(fileType: LogFormat.FTF_FILE, data: ShippedPlugins.record("IPUP", layout: .v02)),
                ModuleCall(fileType: LogFormat.FTF_FILE, data: ShippedPlugins.record("sshd", layout: .seed)),
            ])
            #expect((try? results[0].get())?.returnValue == 1)
            #expect((try? results[1].get())?.returnValue == -1)
            guard case .failure(let error) = results[2] else {
                Issue.record("a 6608-byte record on a seed link was accepted")
                return
            }
            #expect(error.code == .moduleError && error.moduleErrorCode == PluginErrorCode.badCall)
            #expect((try? results[3].get())?.returnValue == 0)
            #expect(plugin.isOpen)
        }
    }

    @Test("no rules: every record is kept")
    func noRules() async throws {
        try await ShippedPlugins.withPlugin(Self.name) { plugin in
            let values = try await ShippedPlugins.returnValues(
                plugin, ShippedPlugins.filterCalls(["IPUP: x", "anything"], layout: .seed))
            #expect(values == [0, 0])
        }
    }

    @Test("a bad rule: the start fails, configuration rejected, naming rules[0]; exit 78")
    func badRule() async throws {
        let error = try await ShippedPlugins.startError(
            Self.name, configuration: ["rules": .array([.string("(unclosed"), .string("fine")])])
        #expect(error.code == .configurationRejected)
        #expect(error.moduleErrorCode == PluginErrorCode.badConfiguration)
        #expect(error.detail.contains("rules[0]"), "\(error.detail)")
        #expect(error.exitStatus == .exited(78))
        #expect(!error.isRestartable)

        let second = try await ShippedPlugins.startError(
            Self.name, configuration: ["rules": .array([.string("fine"), .string("[z-a]")])])
        #expect(second.code == .configurationRejected)
        #expect(second.detail.contains("rules[1]"), "\(second.detail)")
    }
}
