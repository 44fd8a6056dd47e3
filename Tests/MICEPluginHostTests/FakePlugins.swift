// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICEPluginManifest
import Testing

/// The fake plugins of Tests/Fixtures/plugins and a test logger.
///
/// Manifests are read with the real loader (`PluginManifestLoader`), so the fixtures obey the
/// same rules as every shipped plugin (docs/plugin-manifest.md) and there is one manifest parser.
enum FakePlugins {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        url.deleteLastPathComponent()
        return url.appendingPathComponent("Fixtures/plugins").path
    }()

    /// A fixture manifest the loader refused: every error, one per line.
    struct InvalidFixture: Error, CustomStringConvertible {
        var errors: [PluginManifestError]
        var description: String { errors.map(\.description).joined(separator: "\n") }
    }

    /// The manifest of fixture `scenario`, loaded and validated by `PluginManifestLoader`.
    /// - Throws: ``InvalidFixture`` naming every error when the loader refuses it.
    static func manifest(_ scenario: String) throws -> PluginManifest {
        let report = PluginManifestLoader().load(pluginDirectory: root + "/" + scenario)
        guard let manifest = report.manifest else { throw InvalidFixture(errors: report.errors) }
        return manifest
    }

    /// A logger that drops everything below warning (tests assert on relays and errors, not logs).
    static let logger: Logger = {
        var logger = Logger(label: "mice.test.pluginhost")
        logger.logLevel = .critical
        return logger
    }()

    /// Open file descriptors of this process: number → what it refers to (`pipe:[…]`, a path…).
    /// One that closes while it is read (the listing's own) is left out.
    static func openFileDescriptors() -> [String: String] {
        let directory = "/proc/self/fd"
        var descriptors: [String: String] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            descriptors[name] = try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + name)
        }
        return descriptors
    }

    /// ``openFileDescriptors()`` before a leak check, once the concurrency runtime has opened
    /// the timer descriptor it keeps for the process's life (its first `Task.sleep` does).
    static func descriptorsBeforeCheck() async -> [String: String] {
        try? await Task.sleep(for: .milliseconds(1))
        return openFileDescriptors()
    }

    /// Descriptors open now that were not open (as the same number and object) in `before`.
    ///
    /// Other test modules run beside these suites and open and close descriptors of their own:
    /// a count would see them. A leak stays; their descriptors go, so this waits (at most
    /// `settle`) for what is new to be gone before reporting what remains. It waits with
    /// `usleep`: a first `Task.sleep` would itself open the runtime's timer descriptor.
    static func descriptorsOpened(since before: [String: String], settle: Duration = .seconds(2)) -> [String: String] {
        let deadline = ContinuousClock.now.advanced(by: settle)
        while true {
            let opened = openFileDescriptors().filter { before[$0.key] != $0.value }
            if opened.isEmpty || ContinuousClock.now >= deadline { return opened }
            usleep(10_000)
        }
    }

    /// Whether `pid` is gone or a zombie (/proc/PID/stat state Z or X).
    static func isDead(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        guard let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state == "Z" || state == "X"
    }

    /// Whether `pid` is dead within `timeout` seconds. A process killed with SIGKILL closes its
    /// descriptors (so its pipes report end of file) a moment before the kernel marks it a
    /// zombie, so a check right after end of file may still see it alive.
    static func becomesDead(_ pid: Int32, timeout: Double = 2) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while !isDead(pid) {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }
}

/// Every suite that spawns processes runs inside this one, one test at a time: the fd-leak check
/// counts the whole process's descriptors, and two cores are shared with the modules under test.
@Suite(.serialized, .timeLimit(.minutes(2)))
enum ProcessSuites {}
