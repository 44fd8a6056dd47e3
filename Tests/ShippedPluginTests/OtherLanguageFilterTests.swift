// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import MICEPluginHost
import MICEPluginManifest
import MICERecords
import MICETestSupport
import MICEWire
import Testing

/// The filters written against the other SDKs: Python (frames), POSIX sh (lines mode), an
/// original-style shared object under the LTX shim, and the C SDK example.
@Suite("Shipped plugins: Python, sh, LTX shim and C filters", .timeLimit(.minutes(5)))
struct OtherLanguageFilterTests {
    // MARK: - Python

    @Test(
        "mice-flt-python-example: default rules drop DROPME and IPUP:, in both layouts",
        arguments: [LogFormatLayout.seed, .v02])
    func pythonDefaults(layout: LogFormatLayout) async throws {
        let cases: [(String, Int32)] = [
            ("Sep  5 18:55:00 host sshd[1]: Failed password for root", 0),
            ("please DROPME now", 1),
            ("pppd[7]: IPUP: ppp0", 1),
            ("dropme in lower case", 0),
        ]
        try await ShippedPlugins.withPlugin("mice-flt-python-example", layout: layout) { plugin in
            #expect(plugin.initValue == 0)
            #expect(plugin.hello?.name == "mice-flt-python-example")
            let values = try await ShippedPlugins.returnValues(
                plugin, ShippedPlugins.filterCalls(cases.map(\.0), layout: layout))
            #expect(values == cases.map(\.1))
            // Other file types are kept with -1 (the original's "error, kept").
            let other = try await ShippedPlugins.returnValues(
                plugin, ShippedPlugins.filterCalls(["DROPME"], layout: layout, fileType: LogFormat.FTF_SCSLOG))
            #expect(other == [-1])
        }
    }

    @Test("mice-flt-python-example: configured rules and file types; a record of the wrong size is ERROR 3")
    func pythonConfigured() async throws {
        let configuration: [String: JSONValue] = [
            "rules": .array([.string("^secret"), .string("token=[0-9]+")]),
            "fileTypes": .array([.int(1), .int(3)]),
        ]
        try await ShippedPlugins.withPlugin("mice-flt-python-example", configuration: configuration) { plugin in
            let values = try await ShippedPlugins.returnValues(
                plugin,
                ShippedPlugins.filterCalls(["secret data", "no secret", "a token=42 here", "DROPME"], layout: .seed)
                    + ShippedPlugins.filterCalls(["secret", "DROPME"], layout: .seed, fileType: LogFormat.FTF_SCSLOG))
            #expect(values == [1, 0, 1, 0, 1, 0])
            let results = try await plugin.callResults(batch: [
                ModuleCall(fileType: 1, data: Array(repeating: 0x41, count: 100)),
                ModuleCall(fileType: 1, data: ShippedPlugins.record("secret", layout: .v02)),
                ModuleCall(fileType: 1, data: ShippedPlugins.record("secret", layout: .seed)),
            ])
            for result in results.prefix(2) {
                guard case .failure(let error) = result else {
                    Issue.record("a record of the wrong size for a seed link was accepted")
                    continue
                }
                #expect(error.moduleErrorCode == PluginErrorCode.badCall)
            }
            #expect((try? results[2].get())?.returnValue == 1)
        }
    }

    @Test("mice-flt-python-example: an invalid regular expression rejects the configuration, naming rules")
    func pythonBadRule() async throws {
        let error = try await ShippedPlugins.startError(
            "mice-flt-python-example", configuration: ["rules": .array([.string("(")])])
        #expect(error.code == .configurationRejected)
        #expect(error.detail.contains("rules"), "\(error.detail)")
        #expect(error.exitStatus == .exited(78))
    }

    // MARK: - sh, lines mode

    @Test("mice-flt-grep-sh (lines mode): drops log data containing DROPME, keeps the rest, even empty data")
    func grepDefaults() async throws {
        try await ShippedPlugins.withPlugin("mice-flt-grep-sh") { plugin in
            #expect(plugin.hello == nil)
            let lines = [
                "Failed password for root", "xx DROPME yy", "", "DROPM E", "line\nwith DROPME after a newline",
            ]
            let values = try await plugin.call(batch: lines.map { ModuleCall(data: Array($0.utf8)) })
                .map(\.returnValue)
            #expect(values == [0, 1, 0, 0, 1])
        }
    }

    @Test("mice-flt-grep-sh: the configured pattern is a fixed text, not a regular expression")
    func grepConfigured() async throws {
        let configuration: [String: JSONValue] = ["pattern": .string("a.b")]
        try await ShippedPlugins.withPlugin("mice-flt-grep-sh", configuration: configuration) { plugin in
            let calls = ["x a.b y", "x aXb y", "DROPME"].map { ModuleCall(data: Array($0.utf8)) }
            let values = try await plugin.call(batch: calls).map(\.returnValue)
            #expect(values == [1, 0, 0])
        }
    }

    // MARK: - LTX shim

    @Test("mice-ltx-example: the original-style module drops DROPME (seed, its conffile), keeps the rest")
    func ltxDefaults() async throws {
        try await ShippedPlugins.withPlugin("mice-ltx-example") { plugin in
            #expect(plugin.initValue == 0)
            // The module's own init(conffile) line, relayed from its stderr.
            let line = await plugin.process.stderr.waitForLine(containing: "mice_mod_flt_test: init(", timeout: 10)
            #expect(
                line?.hasSuffix("mice_mod_flt_test.conf\"): PATTERN \"DROPME\", LAYOUT seed") == true,
                "\(line ?? "none")")
            let values = try await ShippedPlugins.returnValues(
                plugin, ShippedPlugins.filterCalls(["keep me", "DROPME please", "x DROPME"], layout: .seed))
            #expect(values == [0, 1, 1])
            let other = try await ShippedPlugins.returnValues(
                plugin, ShippedPlugins.filterCalls(["DROPME"], layout: .seed, fileType: LogFormat.FTF_SCSLOG))
            #expect(other == [-1])
            let wrongSize = try await plugin.callResults(batch: [
                ModuleCall(fileType: 1, data: ShippedPlugins.record("DROPME", layout: .v02))
            ])
            guard case .failure(let error) = wrongSize[0] else {
                Issue.record("a 6608-byte record on a seed link was accepted")
                return
            }
            #expect(error.moduleErrorCode == PluginErrorCode.badCall)
        }
    }

    @Test("mice-ltx-example: conffileText and the 0.2 layout")
    func ltxConfigured() async throws {
        let configuration: [String: JSONValue] = ["conffileText": .string("PATTERN = line 4\nLAYOUT = 0.2\n")]
        try await ShippedPlugins.withPlugin("mice-ltx-example", layout: .v02, configuration: configuration) { plugin in
            let texts = (1...6).map { "line \($0)" } + ["DROPME"]
            let values = try await ShippedPlugins.returnValues(plugin, ShippedPlugins.filterCalls(texts, layout: .v02))
            #expect(values == [0, 0, 0, 1, 0, 0, 0])
        }
    }

    @Test("mice-ltx-example: a conffile that cannot be read rejects the configuration, naming conffile")
    func ltxMissingConffile() async throws {
        let error = try await ShippedPlugins.startError(
            "mice-ltx-example", configuration: ["conffile": .string("no-such-file.conf")])
        #expect(error.code == .configurationRejected)
        #expect(error.detail.contains("\"conffile\"") && error.detail.contains("no-such-file.conf"), "\(error.detail)")
        #expect(error.exitStatus == .exited(78))
    }

    // MARK: - C SDK

    /// The C SDK example is not a plugin folder of plugins/: its manifest is made here.
    static func cExampleManifest() throws -> PluginManifest {
        try ShippedPlugins.requireContrib()
        let directory = ShippedPlugins.contribBuild
        return PluginManifest(
            name: "mice-flt-c-example",
            kind: .filter,
            version: "1.0.0",
            description: "Example filter on the C SDK: drops records containing pattern",
            protocol: ProtocolSettings(maxInFlight: 256),
            exec: [directory + "/mice-flt-c-example"],
            options: ["pattern": OptionSpec(type: .string, defaultValue: .string("DROPME"))],
            timeouts: Timeouts(startSeconds: 10, requestSeconds: 10, shutdownSeconds: 2, heartbeatSeconds: 30),
            directory: directory,
            file: directory + "/plugin.json"
        )
    }

    @Test(
        "C SDK example: keep/drop in both layouts; a record of the wrong size is ERROR 3",
        arguments: [LogFormatLayout.seed, .v02])
    func cExample(layout: LogFormatLayout) async throws {
        let manifest = try Self.cExampleManifest()
        try await ShippedPlugins.withConnection(manifest, layout: layout) { plugin in
            #expect(plugin.hello?.name == "mice-flt-c-example")
            #expect(plugin.initValue == 0)
            let values = try await ShippedPlugins.returnValues(
                plugin, ShippedPlugins.filterCalls(["keep", "a DROPME b", "DROPM"], layout: layout))
            #expect(values == [0, 1, 0])
            let other: LogFormatLayout = layout == .seed ? .v02 : .seed
            let results = try await plugin.callResults(batch: [
                ModuleCall(fileType: 1, data: ShippedPlugins.record("DROPME", layout: other))
            ])
            guard case .failure(let error) = results[0] else {
                Issue.record("a record of the wrong size was accepted")
                return
            }
            #expect(error.moduleErrorCode == PluginErrorCode.badCall)
        }
    }

    @Test("C SDK example: configured pattern; an empty pattern rejects the configuration, naming it")
    func cExampleConfigured() async throws {
        let manifest = try Self.cExampleManifest()
        try await ShippedPlugins.withConnection(manifest, configuration: ["pattern": .string("token")]) { plugin in
            let values = try await ShippedPlugins.returnValues(
                plugin, ShippedPlugins.filterCalls(["a token", "DROPME"], layout: .seed))
            #expect(values == [1, 0])
        }
        do {
            let connection = try await ShippedPlugins.launch(manifest, configuration: ["pattern": .string("")])
            await connection.shutdown()
            Issue.record("an empty pattern was accepted")
        } catch let error as PluginError {
            #expect(error.code == .configurationRejected)
            #expect(error.detail.contains("\"pattern\""), "\(error.detail)")
            #expect(error.exitStatus == .exited(78))
        }
    }
}
