// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import MICEPluginManifest
import Testing

/// One invalid fixture folder and the error it must produce.
struct FixtureScenario: Sendable, CustomTestStringConvertible {
    /// Folder below `Tests/Fixtures/manifests/invalid`.
    var folder: String
    var code: PluginManifestError.Code
    /// The key path the error must name; nil for errors without a key (invalid JSON).
    var key: String?
    /// Text the message must contain.
    var fragment: String

    var testDescription: String { folder }
}

@Suite("Loading manifest fixtures")
struct PluginManifestLoaderTests {
    static let scenarios: [FixtureScenario] = [
        FixtureScenario(
            folder: "wrong-type", code: .wrongType, key: "timeouts.startSeconds",
            fragment: "expected a number, found a string"),
        FixtureScenario(folder: "missing-name", code: .missingKey, key: "name", fragment: "required key is missing"),
        FixtureScenario(
            folder: "name-folder-mismatch", code: .layout, key: "name",
            fragment: "differs from its folder \"name-folder-mismatch\""),
        FixtureScenario(folder: "bad-json", code: .invalidJSON, key: nil, fragment: "a comma after the last member?"),
        FixtureScenario(
            folder: "shell-string-exec", code: .exec, key: "exec[0]", fragment: "never a shell string"),
        FixtureScenario(
            folder: "exec-not-array", code: .wrongType, key: "exec", fragment: "exec is never a shell string"),
        FixtureScenario(
            folder: "exec-escapes-folder", code: .exec, key: "exec[0]", fragment: "escapes the plugin folder"),
        FixtureScenario(
            folder: "exec-not-found", code: .exec, key: "exec[0]", fragment: "was not found in the plugin folder"),
        FixtureScenario(folder: "bad-enum", code: .invalidValue, key: "kind", fragment: "invalid value \"filtre\""),
        FixtureScenario(
            folder: "out-of-range", code: .invalidValue, key: "protocol.maxFrameBytes",
            fragment: "must be between 4096 and 16777216, found 100"),
        FixtureScenario(
            folder: "lines-mode-decoding", code: .invalidValue, key: "protocol.mode",
            fragment: "lines mode does not exist for decoding plugins"),
        FixtureScenario(
            folder: "bad-option-default", code: .wrongType, key: "options.port.default",
            fragment: "expected an integer (the option's type), found a string (\"514\")"),
        FixtureScenario(folder: "duplicate-key", code: .duplicateKey, key: "version", fragment: "more than once"),
        FixtureScenario(
            folder: "filter/kind-folder-mismatch", code: .layout, key: "kind",
            fragment: "does not match the kind folder \"filter\""),
    ]

    @Test("an invalid fixture yields its error, naming the file and the key", arguments: scenarios)
    func invalidFixture(_ scenario: FixtureScenario) throws {
        let file = ManifestTestSupport.fixtures + "/invalid/" + scenario.folder + "/plugin.json"
        let shown = "invalid/\(scenario.folder)/plugin.json"
        let report = PluginManifestLoader().load(file: file, displayPath: shown)

        #expect(report.manifest == nil)
        #expect(!report.isValid)
        let error = try #require(report.errors.first { $0.code == scenario.code && $0.key == scenario.key })
        #expect(error.file == shown)
        #expect(error.message.contains(scenario.fragment), "\(error)")
        #expect(error.description.hasPrefix(shown + ": "))
        if let key = scenario.key {
            #expect(error.description.contains("key \"\(key)\": "))
        }
        #expect(throws: PluginManifestError.self) { try report.get() }
    }

    @Test("the brief's example message is produced word for word")
    func exampleMessage() throws {
        let report = PluginManifestLoader().load(
            file: ManifestTestSupport.fixtures + "/invalid/wrong-type/plugin.json",
            displayPath: "plugins/filter/regex/plugin.json")
        let error = try #require(report.errors.first)
        #expect(
            error.description.hasPrefix(
                "plugins/filter/regex/plugin.json: key \"timeouts.startSeconds\": expected a number, found a string"))
    }

    @Test("invalid JSON names the line, the column and the byte offset")
    func invalidJSONLocation() throws {
        let report = PluginManifestLoader().load(
            file: ManifestTestSupport.fixtures + "/invalid/bad-json/plugin.json", displayPath: "bad-json/plugin.json")
        let error = try #require(report.errors.first)
        #expect(report.errors.count == 1)
        #expect(error.code == .invalidJSON)
        #expect(error.line == 7)
        #expect(error.column == 1)
        #expect(error.offset != nil)
        #expect(error.description.hasPrefix("bad-json/plugin.json: line 7, column 1: invalid JSON: "))
    }

    @Test("every error of a file is reported, not just the first")
    func collectsAllErrors() {
        let report = PluginManifestLoader().load(
            file: ManifestTestSupport.fixtures + "/invalid/out-of-range/plugin.json", displayPath: "x")
        #expect(
            report.errors.map(\.key) == [
                "protocol.versions[0]", "protocol.maxFrameBytes", "timeouts.startSeconds", "timeouts.heartbeatSeconds",
                "restart.initialDelaySeconds", "restart.maxRestarts", "sandbox.limits.openFiles",
            ])
        let bad = PluginManifestLoader().load(
            file: ManifestTestSupport.fixtures + "/invalid/bad-enum/plugin.json", displayPath: "x")
        #expect(bad.errors.map(\.key) == ["kind", "protocol.mode", "restart.policy"])
    }

    @Test("the Swift plugin fixture loads with every value as written")
    func swiftFixture() throws {
        let report = PluginManifestLoader().load(file: ManifestTestSupport.fixtures + "/valid/filter/regex/plugin.json")
        #expect(report.errors.isEmpty)
        #expect(report.warnings.isEmpty)
        let manifest = try report.get()
        #expect(manifest.name == "regex")
        #expect(manifest.kind == .filter)
        #expect(manifest.version == "1.0.0")
        #expect(manifest.author == "M-ICE developers")
        #expect(manifest.license == "Apache-2.0")
        #expect(manifest.protocol == ProtocolSettings(versions: [1], mode: .frames, maxFrameBytes: 1_048_576))
        #expect(manifest.exec == ["@bin/mice-flt-regex"])
        #expect(manifest.execTarget == .bin("mice-flt-regex"))
        #expect(manifest.options["rules"]?.type == .array)
        #expect(manifest.options["rules"]?.defaultValue == [".*IPUP:.*"])
        #expect(manifest.options["caseInsensitive"]?.defaultValue == false)
        #expect(manifest.timeouts.requestSeconds == 5)
        #expect(manifest.restart.policy == .onFailure)
        #expect(manifest.restart.initialDelaySeconds == 0.5)
        #expect(manifest.overflow == OverflowPolicy(policy: .block, queueLength: 1024))
        #expect(manifest.sandbox.user == "mice")
        #expect(manifest.sandbox.limits.memoryBytes == 268_435_456)
        #expect(manifest.sandbox.limits.fileSizeBytes == 1_048_576)
        #expect(manifest.directory == ManifestTestSupport.fixtures + "/valid/filter/regex")
        #expect(manifest.file == ManifestTestSupport.fixtures + "/valid/filter/regex/plugin.json")
        #expect(manifest.effectiveConfig() == ["rules": [".*IPUP:.*"], "caseInsensitive": false])
        #expect(
            manifest.effectiveConfig(["caseInsensitive": true]) == ["rules": [".*IPUP:.*"], "caseInsensitive": true])
    }

    @Test("the Python and lines-mode fixtures load; defaults fill what they leave out")
    func scriptFixtures() throws {
        let python = try PluginManifestLoader().load(
            file: ManifestTestSupport.fixtures + "/valid/filter/dedupe/plugin.json"
        ).get()
        #expect(python.exec == ["/usr/bin/env", "python3", "dedupe.py"])
        #expect(python.execTarget == .absolute("/usr/bin/env"))
        #expect(python.options["field"]?.required == true)
        #expect(python.restart.policy == .always)
        #expect(python.restart.maxDelaySeconds == 60)
        #expect(python.restart.initialDelaySeconds == RestartPolicy().initialDelaySeconds)
        #expect(python.overflow.policy == .dropOldest)
        #expect(python.timeouts.startSeconds == 15)
        #expect(python.timeouts.requestSeconds == Timeouts().requestSeconds)
        #expect(python.sandbox.environment == ["PYTHONPATH"])
        #expect(python.sandbox.limits.cpuSeconds == nil)

        let lines = PluginManifestLoader().load(
            file: ManifestTestSupport.fixtures + "/valid/filter/drop-debug/plugin.json")
        #expect(lines.warnings.isEmpty, "drop-debug.sh must keep its execute bit: \(lines.warnings)")
        let shell = try lines.get()
        #expect(shell.protocol.mode == .lines)
        #expect(shell.execTarget == .relative("drop-debug.sh"))
        #expect(shell.protocol.versions == [1])
    }

    @Test("unknown keys are warnings that name the file and the key; the manifest stays valid")
    func unknownKeyWarnings() throws {
        let report = PluginManifestLoader().load(
            file: ManifestTestSupport.fixtures + "/valid/reaction/unknown-key-warning/plugin.json",
            displayPath: "plugins/reaction/unknown-key-warning/plugin.json")
        #expect(report.isValid)
        #expect(report.errors.isEmpty)
        #expect(report.warnings.map(\.key) == ["homepage", "timeouts.startSecs"])
        #expect(report.warnings.allSatisfy { $0.code == .unknownKey })
        #expect(
            report.warnings[1].description.hasPrefix(
                "plugins/reaction/unknown-key-warning/plugin.json: key \"timeouts.startSecs\": unknown key"))
        #expect(try report.get().timeouts.startSeconds == Timeouts().startSeconds)
    }

    @Test("a missing file and a folder in place of the file are unreadable")
    func unreadable() {
        let missing = PluginManifestLoader().load(file: "/nonexistent-mice/x/plugin.json")
        #expect(missing.errors.map(\.code) == [.unreadable])
        #expect(missing.errors.first?.description == "/nonexistent-mice/x/plugin.json: no such file")
        let folder = PluginManifestLoader().load(file: ManifestTestSupport.fixtures + "/valid")
        #expect(folder.errors.map(\.code) == [.unreadable])
        let byFolder = PluginManifestLoader().load(pluginDirectory: ManifestTestSupport.fixtures + "/valid/minimal")
        #expect(byFolder.isValid)
    }

    @Test("a file over the size limit is rejected unread")
    func tooLarge() {
        ManifestTestSupport.withTemporaryDirectory { root in
            let file = root + "/big/plugin.json"
            ManifestTestSupport.write(
                "{\"pad\": \"" + String(repeating: "x", count: PluginManifestLoader.maximumFileBytes) + "\"}", to: file)
            let report = PluginManifestLoader().load(file: file)
            #expect(report.errors.map(\.code) == [.unreadable])
            #expect(report.errors.first?.message.contains("at most") == true)
        }
    }
}
