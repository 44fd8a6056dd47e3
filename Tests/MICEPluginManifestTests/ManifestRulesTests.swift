// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import MICEPluginManifest
import Testing

/// One change to the minimal manifest and the single error it must cause.
struct RuleCase: Sendable, CustomTestStringConvertible {
    var label: String
    var overrides: [String: JSONValue] = [:]
    var removing: [String] = []
    var code: PluginManifestError.Code
    var key: String?
    var fragment: String

    var testDescription: String { label }
}

@Suite("Manifest validation rules")
struct ManifestRulesTests {
    static let cases: [RuleCase] = [
        RuleCase(label: "missing kind", removing: ["kind"], code: .missingKey, key: "kind", fragment: "missing"),
        RuleCase(
            label: "missing version", removing: ["version"], code: .missingKey, key: "version", fragment: "missing"),
        RuleCase(
            label: "missing description", removing: ["description"], code: .missingKey, key: "description",
            fragment: "missing"),
        RuleCase(label: "missing exec", removing: ["exec"], code: .missingKey, key: "exec", fragment: "missing"),
        RuleCase(label: "null name", overrides: ["name": nil], code: .missingKey, key: "name", fragment: "missing"),
        RuleCase(
            label: "upper-case name", overrides: ["name": "Demo"], code: .invalidValue, key: "name",
            fragment: "invalid name"),
        RuleCase(
            label: "name starting with a dash", overrides: ["name": "-demo"], code: .invalidValue, key: "name",
            fragment: "starting with a letter or digit"),
        RuleCase(
            label: "name too long", overrides: ["name": .string(String(repeating: "a", count: 65))],
            code: .invalidValue, key: "name", fragment: "1 to 64 characters"),
        RuleCase(
            label: "numeric version", overrides: ["version": 1], code: .wrongType, key: "version",
            fragment: "expected a string, found an integer (1)"),
        RuleCase(
            label: "blank description", overrides: ["description": " "], code: .invalidValue, key: "description",
            fragment: "must not be empty"),
        RuleCase(
            label: "numeric author", overrides: ["author": 5], code: .wrongType, key: "author",
            fragment: "expected a string"),
        RuleCase(
            label: "empty exec", overrides: ["exec": []], code: .invalidValue, key: "exec",
            fragment: "must not be empty"),
        RuleCase(
            label: "exec element not a string", overrides: ["exec": ["@bin/demo", 5]], code: .wrongType,
            key: "exec[1]", fragment: "expected a string, found an integer (5)"),
        RuleCase(
            label: "exec argument with NUL", overrides: ["exec": ["@bin/demo", "a\u{0}b"]], code: .invalidValue,
            key: "exec[1]", fragment: "NUL"),
        RuleCase(
            label: "empty program", overrides: ["exec": [""]], code: .exec, key: "exec[0]",
            fragment: "must not be empty"),
        RuleCase(
            label: "@bin without a name", overrides: ["exec": ["@bin/"]], code: .exec, key: "exec[0]",
            fragment: "after \"@bin/\""),
        RuleCase(
            label: "@bin with a slash", overrides: ["exec": ["@bin/a/b"]], code: .exec, key: "exec[0]",
            fragment: "no '/'"),
        RuleCase(
            label: "unknown @ prefix", overrides: ["exec": ["@lib/demo"]], code: .exec, key: "exec[0]",
            fragment: "unknown prefix"),
        RuleCase(
            label: "semicolon in program", overrides: ["exec": ["run;reboot"]], code: .exec, key: "exec[0]",
            fragment: "shell metacharacter \";\""),
        RuleCase(
            label: "variable in program", overrides: ["exec": ["$HOME/bin/demo"]], code: .exec, key: "exec[0]",
            fragment: "shell metacharacter \"$\""),
        RuleCase(
            label: "tab in program", overrides: ["exec": ["/bin/echo\thi"]], code: .exec, key: "exec[0]",
            fragment: "white space"),
        RuleCase(
            label: "missing absolute program", overrides: ["exec": ["/nonexistent-mice/bin/demo"]], code: .exec,
            key: "exec[0]", fragment: "does not exist"),
        RuleCase(
            label: "absolute program is a folder", overrides: ["exec": ["/"]], code: .exec, key: "exec[0]",
            fragment: "is a directory"),
        RuleCase(
            label: "relative program escapes", overrides: ["exec": ["bin/../../demo"]], code: .exec, key: "exec[0]",
            fragment: "escapes the plugin folder"),
        RuleCase(
            label: "bare program name", overrides: ["exec": ["python3"]], code: .exec, key: "exec[0]",
            fragment: "there is no PATH search"),
        RuleCase(
            label: "protocol not an object", overrides: ["protocol": "frames"], code: .wrongType, key: "protocol",
            fragment: "expected an object, found a string"),
        RuleCase(
            label: "no protocol versions", overrides: ["protocol": ["versions": []]], code: .invalidValue,
            key: "protocol.versions", fragment: "at least one"),
        RuleCase(
            label: "protocol version as string", overrides: ["protocol": ["versions": ["1"]]], code: .wrongType,
            key: "protocol.versions[0]", fragment: "expected an integer"),
        RuleCase(
            label: "negative protocol version", overrides: ["protocol": ["versions": [1, -2]]], code: .invalidValue,
            key: "protocol.versions[1]", fragment: "1 or more"),
        RuleCase(
            label: "versions not an array", overrides: ["protocol": ["versions": 1]], code: .wrongType,
            key: "protocol.versions", fragment: "expected an array"),
        RuleCase(
            label: "frame limit above 16 MiB", overrides: ["protocol": ["maxFrameBytes": 16_777_217]],
            code: .invalidValue, key: "protocol.maxFrameBytes", fragment: "between 4096 and 16777216"),
        RuleCase(
            label: "fractional frame limit", overrides: ["protocol": ["maxFrameBytes": .double(4096.5)]],
            code: .wrongType, key: "protocol.maxFrameBytes", fragment: "expected an integer, found a number (4096.5)"),
        RuleCase(
            label: "no calls in flight", overrides: ["protocol": ["maxInFlight": 0]], code: .invalidValue,
            key: "protocol.maxInFlight", fragment: "between 1 and 65536"),
        RuleCase(
            label: "lines-mode agent", overrides: ["kind": "agent", "protocol": ["mode": "lines"]],
            code: .invalidValue, key: "protocol.mode", fragment: "lines mode does not exist for agent plugins"),
        RuleCase(
            label: "negative request timeout", overrides: ["timeouts": ["requestSeconds": -1]], code: .invalidValue,
            key: "timeouts.requestSeconds", fragment: "greater than 0"),
        RuleCase(
            label: "zero shutdown timeout", overrides: ["timeouts": ["shutdownSeconds": 0]], code: .invalidValue,
            key: "timeouts.shutdownSeconds", fragment: "greater than 0, found 0"),
        RuleCase(
            label: "timeout over a day", overrides: ["timeouts": ["startSeconds": 86_401]], code: .invalidValue,
            key: "timeouts.startSeconds", fragment: "at most 86400"),
        RuleCase(
            label: "Boolean timeout", overrides: ["timeouts": ["startSeconds": true]], code: .wrongType,
            key: "timeouts.startSeconds", fragment: "expected a number, found a Boolean"),
        RuleCase(
            label: "timeouts not an object", overrides: ["timeouts": [1]], code: .wrongType, key: "timeouts",
            fragment: "expected an object, found an array"),
        RuleCase(
            label: "zero crash-loop window", overrides: ["restart": ["windowSeconds": 0]], code: .invalidValue,
            key: "restart.windowSeconds", fragment: "greater than 0"),
        RuleCase(
            label: "negative reset time", overrides: ["restart": ["resetAfterSeconds": -5]], code: .invalidValue,
            key: "restart.resetAfterSeconds", fragment: "0 or more"),
        RuleCase(
            label: "fractional max restarts", overrides: ["restart": ["maxRestarts": .double(1.5)]], code: .wrongType,
            key: "restart.maxRestarts", fragment: "expected an integer"),
        RuleCase(
            label: "initial delay above the default maximum", overrides: ["restart": ["initialDelaySeconds": 31]],
            code: .invalidValue, key: "restart.initialDelaySeconds", fragment: "maxDelaySeconds (30)"),
        RuleCase(
            label: "unknown restart policy", overrides: ["restart": ["policy": "sometimes"]], code: .invalidValue,
            key: "restart.policy", fragment: "expected one of always, on-failure, never"),
        RuleCase(
            label: "unknown overflow policy", overrides: ["overflow": ["policy": "drop"]], code: .invalidValue,
            key: "overflow.policy", fragment: "expected one of block, drop-newest, drop-oldest"),
        RuleCase(
            label: "empty queue", overrides: ["overflow": ["queueLength": 0]], code: .invalidValue,
            key: "overflow.queueLength", fragment: "between 1 and 1048576"),
        RuleCase(
            label: "user with a space", overrides: ["sandbox": ["user": "mice user"]], code: .invalidValue,
            key: "sandbox.user", fragment: "neither a user name nor a numeric id"),
        RuleCase(
            label: "group as a number", overrides: ["sandbox": ["group": 100]], code: .wrongType, key: "sandbox.group",
            fragment: "expected a string"),
        RuleCase(
            label: "memory limit as text", overrides: ["sandbox": ["limits": ["memoryBytes": "1G"]]], code: .wrongType,
            key: "sandbox.limits.memoryBytes", fragment: "expected an integer, found a string (\"1G\")"),
        RuleCase(
            label: "zero CPU limit", overrides: ["sandbox": ["limits": ["cpuSeconds": 0]]], code: .invalidValue,
            key: "sandbox.limits.cpuSeconds", fragment: "1 or more"),
        RuleCase(
            label: "relative writable path", overrides: ["sandbox": ["writablePaths": ["var/log"]]],
            code: .invalidValue, key: "sandbox.writablePaths[0]", fragment: "absolute path"),
        RuleCase(
            label: "writable path with ..", overrides: ["sandbox": ["writablePaths": ["/var/lib/../../etc"]]],
            code: .invalidValue, key: "sandbox.writablePaths[0]", fragment: "'..'"),
        RuleCase(
            label: "network as text", overrides: ["sandbox": ["network": "no"]], code: .wrongType,
            key: "sandbox.network", fragment: "expected a Boolean (true or false), found a string (\"no\")"),
        RuleCase(
            label: "reserved environment name", overrides: ["sandbox": ["environment": ["MICE_PLUGIN_COOKIE"]]],
            code: .invalidValue, key: "sandbox.environment[0]", fragment: "set by the host"),
        RuleCase(
            label: "bad environment name", overrides: ["sandbox": ["environment": ["PATH", "1X"]]],
            code: .invalidValue, key: "sandbox.environment[1]", fragment: "not an environment variable name"),
        RuleCase(
            label: "option not an object", overrides: ["options": ["level": "debug"]], code: .wrongType,
            key: "options.level", fragment: "expected an object"),
        RuleCase(
            label: "option without type", overrides: ["options": ["level": ["default": "debug"]]], code: .missingKey,
            key: "options.level.type", fragment: "missing"),
        RuleCase(
            label: "unknown option type", overrides: ["options": ["level": ["type": "float"]]], code: .invalidValue,
            key: "options.level.type", fragment: "expected one of string, integer, number, boolean, array, object"),
        RuleCase(
            label: "fractional integer default",
            overrides: ["options": ["n": ["type": "integer", "default": .double(1.5)]]],
            code: .wrongType, key: "options.n.default", fragment: "expected an integer (the option's type)"),
        RuleCase(
            label: "string Boolean default", overrides: ["options": ["on": ["type": "boolean", "default": "true"]]],
            code: .wrongType, key: "options.on.default", fragment: "expected a Boolean"),
        RuleCase(
            label: "object default for an array", overrides: ["options": ["l": ["type": "array", "default": [:]]]],
            code: .wrongType, key: "options.l.default", fragment: "expected an array"),
        RuleCase(
            label: "required as text", overrides: ["options": ["l": ["type": "array", "required": "yes"]]],
            code: .wrongType, key: "options.l.required", fragment: "expected a Boolean"),
        RuleCase(
            label: "option name needing quotes", overrides: ["options": ["log file": ["type": "text"]]],
            code: .invalidValue, key: "options[\"log file\"].type", fragment: "invalid value \"text\""),
        RuleCase(
            label: "empty option name", overrides: ["options": ["": ["type": "string"]]], code: .invalidValue,
            key: "options[\"\"]", fragment: "must not be empty"),
    ]

    @Test("each rule produces exactly its error, naming the key", arguments: cases)
    func rule(_ rule: RuleCase) throws {
        let report = ManifestTestSupport.load(ManifestTestSupport.manifest(rule.overrides, removing: rule.removing))
        #expect(report.manifest == nil)
        #expect(report.errors.count == 1, "\(report.errors)")
        let error = try #require(report.errors.first)
        #expect(error.code == rule.code)
        #expect(error.key == rule.key)
        #expect(error.message.contains(rule.fragment), "\(error)")
        #expect(error.file == "plugins/demo/plugin.json")
    }

    @Test("the minimal manifest is valid and takes every default")
    func defaults() throws {
        let report = ManifestTestSupport.load(ManifestTestSupport.manifest())
        #expect(report.errors.isEmpty)
        #expect(report.warnings.isEmpty)
        let manifest = try report.get()
        #expect(manifest.author == nil)
        #expect(manifest.license == nil)
        #expect(manifest.protocol == ProtocolSettings())
        #expect(manifest.protocol.versions == [1])
        #expect(manifest.protocol.maxFrameBytes == 1_048_576)
        #expect(manifest.options.isEmpty)
        #expect(manifest.timeouts == Timeouts())
        #expect(manifest.restart == RestartPolicy())
        #expect(manifest.overflow == OverflowPolicy())
        #expect(manifest.sandbox == Sandbox())
        #expect(manifest.sandbox.limits.isEmpty)
        #expect(manifest.directory == "/nonexistent-mice/demo")
        #expect(manifest.file == "/nonexistent-mice/demo/plugin.json")
        #expect(manifest.effectiveConfig() == [:])
    }

    @Test("null stands for an absent optional key")
    func nullIsAbsent() throws {
        let manifest = try ManifestTestSupport.load(
            ManifestTestSupport.manifest([
                "author": nil, "timeouts": ["startSeconds": nil], "sandbox": ["user": nil], "options": nil,
            ])
        ).get()
        #expect(manifest.author == nil)
        #expect(manifest.timeouts.startSeconds == Timeouts().startSeconds)
        #expect(manifest.sandbox.user == nil)
    }

    @Test("boundary values are accepted")
    func boundaries() throws {
        let manifest = try ManifestTestSupport.load(
            ManifestTestSupport.manifest([
                "name": .string(String(repeating: "a", count: 64)),
                "protocol": ["versions": [1, 2], "maxFrameBytes": 4096, "maxInFlight": 65_536],
                "timeouts": ["startSeconds": .double(0.001), "heartbeatSeconds": 0, "requestSeconds": 86_400],
                "restart": ["initialDelaySeconds": 0, "maxDelaySeconds": 0, "maxRestarts": 0],
                "overflow": ["queueLength": 1_048_576],
            ]),
            folder: String(repeating: "a", count: 64)
        ).get()
        #expect(manifest.protocol.maxFrameBytes == 4096)
        #expect(manifest.timeouts.heartbeatSeconds == 0)
        #expect(manifest.restart.maxDelaySeconds == 0)
        let sixteen = try ManifestTestSupport.load(
            ManifestTestSupport.manifest(["protocol": ["maxFrameBytes": 16_777_216]])
        ).get()
        #expect(sixteen.protocol.maxFrameBytes == 16 << 20)
    }

    @Test("an integer may be written with a zero fraction, and becomes an integer")
    func integralDouble() throws {
        let manifest = try ManifestTestSupport.load(
            """
            {"name": "demo", "kind": "filter", "version": "1", "description": "d", "exec": ["@bin/demo"],
             "overflow": {"queueLength": 10.0}, "options": {"n": {"type": "integer", "default": 2.0}}}
            """
        ).get()
        #expect(manifest.overflow.queueLength == 10)
        #expect(manifest.options["n"]?.defaultValue == .int(2))
    }

    @Test("every kind is accepted, and lines mode by every kind that has it")
    func kindsAndModes() throws {
        for kind in PluginKind.allCases {
            let report = ManifestTestSupport.load(
                ManifestTestSupport.manifest(["kind": .string(kind.rawValue), "protocol": ["mode": "lines"]]))
            let expectValid = kind != .decoding && kind != .agent
            #expect(report.isValid == expectValid, "\(kind)")
            #expect(
                try ManifestTestSupport.load(ManifestTestSupport.manifest(["kind": .string(kind.rawValue)])).get().kind
                    == kind)
        }
    }

    @Test("unknown keys at every level are warnings, sorted, naming the key path")
    func nestedUnknownKeys() {
        let report = ManifestTestSupport.load(
            ManifestTestSupport.manifest([
                "zz": 1, "aa": 2,
                "protocol": ["version": 1],
                "options": ["level": ["type": "string", "enum": ["a", "b"]]],
                "restart": ["delay": 1],
                "overflow": ["drop": true],
                "sandbox": ["limits": ["rss": 1], "net": false],
            ]))
        #expect(report.isValid)
        #expect(
            report.warnings.map(\.key) == [
                "aa", "zz", "protocol.version", "options.level.enum", "restart.delay", "overflow.drop", "sandbox.net",
                "sandbox.limits.rss",
            ])
        #expect(report.warnings.allSatisfy { $0.code == .unknownKey && $0.file == "plugins/demo/plugin.json" })
    }

    @Test("a required option with a default is a warning, not an error")
    func requiredWithDefault() throws {
        let report = ManifestTestSupport.load(
            ManifestTestSupport.manifest(["options": ["host": ["type": "string", "required": true, "default": "x"]]]))
        #expect(report.isValid)
        #expect(report.warnings.map(\.code) == [.unusedDefault])
        #expect(report.warnings.first?.key == "options.host.default")
    }

    @Test("a shell with -c and a command string is allowed with a warning")
    func shellCommandWarning() {
        let report = ManifestTestSupport.load(
            ManifestTestSupport.manifest(["exec": ["/bin/sh", "-c", "grep -v DEBUG"]]))
        #expect(report.isValid)
        #expect(report.warnings.map(\.code) == [.shellCommand])
        #expect(report.warnings.first?.key == "exec[2]")
    }

    @Test("a top level that is not an object is one error without a key")
    func notAnObject() throws {
        let report = ManifestTestSupport.load("[1, 2]")
        let error = try #require(report.errors.first)
        #expect(report.errors.count == 1)
        #expect(error.code == .wrongType)
        #expect(error.key == nil)
        #expect(error.description == "plugins/demo/plugin.json: a manifest must be a JSON object, found an array")
    }

    @Test("many problems in one file are all reported, in schema order")
    func manyErrors() {
        let report = ManifestTestSupport.load(
            ManifestTestSupport.manifest(
                [
                    "name": "other", "kind": "gadget", "version": 2,
                    "exec": "run.sh", "timeouts": ["startSeconds": "1"], "sandbox": ["network": 1],
                ],
                removing: ["description"]))
        #expect(
            report.errors.map(\.key) == [
                "name", "kind", "version", "description", "exec", "timeouts.startSeconds", "sandbox.network",
            ])
        #expect(
            report.errors.map(\.code) == [
                .layout, .invalidValue, .wrongType, .missingKey, .wrongType, .wrongType, .wrongType,
            ])
    }

    @Test("configuration values are checked against the options")
    func configurationProblems() throws {
        let manifest = try ManifestTestSupport.load(
            ManifestTestSupport.manifest([
                "options": [
                    "host": ["type": "string", "required": true],
                    "port": ["type": "integer", "default": 514],
                    "ratio": ["type": "number"],
                ]
            ])
        ).get()
        #expect(manifest.configurationProblems(["host": "h", "port": 1, "ratio": 1]).isEmpty)
        #expect(
            manifest.configurationProblems(["port": "514", "colour": "red"]) == [
                "option \"colour\": not an option of plugin demo",
                "option \"host\": required, but no value is given",
                "option \"port\": expected an integer, found a string (\"514\")",
            ])
        #expect(manifest.effectiveConfig(["host": "h"]) == ["host": "h", "port": 514])
    }

    @Test("the JSON form of a manifest loads back to the same manifest")
    func jsonRoundTrip() throws {
        let original = try PluginManifestLoader().load(
            file: ManifestTestSupport.fixtures + "/valid/filter/regex/plugin.json"
        ).get()
        guard case .object(var object) = original.jsonValue else {
            Issue.record("jsonValue is not an object")
            return
        }
        #expect(object["directory"] == .string(original.directory))
        object["directory"] = nil
        object["file"] = nil
        let report = PluginManifestLoader().load(
            bytes: Array(ManifestTestSupport.text(.object(object)).utf8), file: original.file)
        #expect(report.warnings.isEmpty)
        #expect(try report.get() == original)
    }
}
