// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETestSupport
import Testing

/// Runs the built `micectl` binary, as an operator would.
@Suite("micectl plugins, end to end", .timeLimit(.minutes(1)))
struct PluginsCommandTests {
    /// What a finished micectl run left behind.
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let fixtures: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/manifests").path
    }()

    /// The built `micectl` (`swift test` builds every product first).
    static func micectlPath() throws -> String {
        let path = TestPaths.binDirectory + "/micectl"
        try #require(FileManager.default.isExecutableFile(atPath: path), "micectl not found; run swift build first")
        return path
    }

    /// Runs micectl with `arguments`; fails the test if it does not exit within `timeout`.
    func micectl(
        _ arguments: [String],
        environment: [String: String] = [:],
        directory: String? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> Outcome {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("micectl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Output goes to files, not pipes, so a chatty child can never block on a full pipe.
        let stdoutURL = scratch.appendingPathComponent("stdout")
        let stderrURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stdoutHandle = try FileHandle(forWritingTo: stdoutURL)
        let stderrHandle = try FileHandle(forWritingTo: stderrURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.micectlPath())
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["MICE_PLUGINS_DIR"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle
        try process.run()

        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                process.terminate()
                process.waitUntilExit()
                Issue.record("micectl \(arguments) did not exit within \(timeout)")
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        process.waitUntilExit()
        try stdoutHandle.close()
        try stderrHandle.close()
        return Outcome(
            status: process.terminationStatus,
            stdout: try String(contentsOf: stdoutURL, encoding: .utf8),
            stderr: try String(contentsOf: stderrURL, encoding: .utf8))
    }

    @Test("validate on the valid fixtures exits 0 and still prints the warnings")
    func validateValid() async throws {
        let root = Self.fixtures + "/valid"
        let outcome = try await micectl(["plugins", "validate", root])
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("\(root): 6 manifests, 6 valid, 0 invalid; 0 errors, 2 warnings"))
        #expect(
            outcome.stdout.contains(
                "warning: \(root)/reaction/unknown-key-warning/plugin.json: key \"timeouts.startSecs\": unknown key"))
        #expect(outcome.stdout.contains("ok: \(root)/filter/regex/plugin.json (filter regex 1.0.0)"))
        #expect(!outcome.stdout.contains("error:"))
    }

    @Test("validate on the invalid fixtures exits 1 and names each file and key")
    func validateInvalid() async throws {
        let root = Self.fixtures + "/invalid"
        let outcome = try await micectl(["plugins", "validate", root])
        #expect(outcome.status == 1)
        for line in [
            "error: \(root)/wrong-type/plugin.json: key \"timeouts.startSeconds\": expected a number, found a string",
            "error: \(root)/missing-name/plugin.json: key \"name\": required key is missing",
            "error: \(root)/bad-json/plugin.json: line 7, column 1: invalid JSON:",
            "error: \(root)/shell-string-exec/plugin.json: key \"exec[0]\":",
            "error: \(root)/reaction/duplicate-name/plugin.json: key \"name\": plugin name \"duplicate-name\"",
            "\(root): 17 manifests, 1 valid, 16 invalid;",
        ] {
            #expect(outcome.stdout.contains(line), "missing: \(line)")
        }
    }

    @Test("list prints a table of the valid plugins, sorted by name")
    func listTable() async throws {
        let outcome = try await micectl(["plugins", "list", Self.fixtures + "/valid"])
        #expect(outcome.status == 0)
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 7)
        #expect(lines.first?.split(separator: " ") == ["NAME", "KIND", "VERSION", "MODE", "EXEC", "DESCRIPTION"])
        #expect(
            lines.dropFirst().map { String($0.prefix { $0 != " " }) } == [
                "dedupe", "drop-debug", "minimal", "regex", "syslog", "unknown-key-warning",
            ])
        let syslog = try #require(lines.first { $0.hasPrefix("syslog ") })
        #expect(
            syslog.split(separator: " ", omittingEmptySubsequences: true).prefix(7) == [
                "syslog", "agent", "1.0.0", "frames", "@bin/mice-agent-syslog", "--facility", "auth",
            ])
        let dropDebug = try #require(lines.first { $0.hasPrefix("drop-debug ") })
        #expect(dropDebug.contains(" lines "))
        #expect(outcome.stderr.isEmpty)
    }

    @Test("list --json prints one complete JSON object per plugin")
    func listJSON() async throws {
        let outcome = try await micectl(["plugins", "list", "--json", Self.fixtures + "/valid"])
        #expect(outcome.status == 0)
        let lines = outcome.stdout.split(separator: "\n")
        #expect(lines.count == 6)
        let objects = try lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(
            objects.compactMap { $0["name"] as? String } == [
                "dedupe", "drop-debug", "minimal", "regex", "syslog", "unknown-key-warning",
            ])
        let minimal = try #require(objects.first { $0["name"] as? String == "minimal" })
        let timeouts = try #require(minimal["timeouts"] as? [String: Any])
        #expect(timeouts["startSeconds"] as? Int == 10)
        #expect((minimal["protocol"] as? [String: Any])?["mode"] as? String == "frames")
        #expect(minimal["file"] as? String == Self.fixtures + "/valid/minimal/plugin.json")
    }

    @Test("list leaves out invalid manifests and says so on stderr")
    func listInvalid() async throws {
        let outcome = try await micectl(["plugins", "list", Self.fixtures + "/invalid"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("duplicate-name"))
        #expect(outcome.stderr.contains("16 manifests have errors and are not listed"))
    }

    @Test("DIR defaults to ./plugins, and $MICE_PLUGINS_DIR overrides that")
    func defaultDirectory() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("micectl-cwd-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let plugin = scratch.appendingPathComponent("plugins/filter/x")
        try FileManager.default.createDirectory(at: plugin, withIntermediateDirectories: true)
        try Data(
            #"{"name": "x", "kind": "filter", "version": "1", "description": "d", "exec": ["@bin/x"], "y": 1}"#.utf8
        )
        .write(to: plugin.appendingPathComponent("plugin.json"))

        let byDefault = try await micectl(["plugins", "validate"], directory: scratch.path)
        #expect(byDefault.status == 0)
        #expect(byDefault.stdout.contains("warning: plugins/filter/x/plugin.json: key \"y\": unknown key"))
        #expect(byDefault.stdout.contains("./plugins: 1 manifest, 1 valid, 0 invalid; 0 errors, 1 warning"))

        let byVariable = try await micectl(
            ["plugins", "validate"], environment: ["MICE_PLUGINS_DIR": Self.fixtures + "/invalid"],
            directory: scratch.path)
        #expect(byVariable.status == 1)
        #expect(byVariable.stdout.contains("/invalid/wrong-type/plugin.json: key \"timeouts.startSeconds\""))
    }

    @Test("a plugins directory that does not exist is an error, exit 1")
    func missingDirectory() async throws {
        for command in ["validate", "list"] {
            let outcome = try await micectl(["plugins", command, "/nonexistent-mice/plugins"])
            #expect(outcome.status == 1)
            #expect(outcome.stderr.contains("error: /nonexistent-mice/plugins: no such directory"))
        }
    }
}
