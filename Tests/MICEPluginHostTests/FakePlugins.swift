// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICEPluginManifest
import Testing

/// The fake plugins of Tests/Fixtures/plugins and a test logger.
///
/// Until `PluginManifestLoader` lands, manifests are read here with a minimal decoder of the
/// keys the fixtures use (which also keeps the fixture JSON honest about the model's keys).
enum FakePlugins {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        url.deleteLastPathComponent()
        return url.appendingPathComponent("Fixtures/plugins").path
    }()

    private struct File: Decodable {
        struct ProtocolValues: Decodable {
            var versions: [Int]
            var mode: ProtocolSettings.Mode
            var maxFrameBytes: Int
            var maxInFlight: Int
        }
        struct TimeoutValues: Decodable {
            var startSeconds: Double
            var requestSeconds: Double
            var shutdownSeconds: Double
            var heartbeatSeconds: Double
        }
        struct Restart: Decodable {
            var policy: RestartPolicy.Policy
            var initialDelaySeconds: Double
            var maxDelaySeconds: Double
            var resetAfterSeconds: Double
            var maxRestarts: Int
            var windowSeconds: Double
        }
        var name: String
        var kind: PluginKind
        var version: String
        var description: String
        var exec: [String]
        var `protocol`: ProtocolValues
        var timeouts: TimeoutValues
        var restart: Restart
    }

    /// The manifest of fixture `scenario`.
    static func manifest(_ scenario: String) throws -> PluginManifest {
        let directory = root + "/" + scenario
        let file = directory + "/plugin.json"
        let decoded = try JSONDecoder().decode(File.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        return PluginManifest(
            name: decoded.name,
            kind: decoded.kind,
            version: decoded.version,
            description: decoded.description,
            protocol: ProtocolSettings(
                versions: decoded.protocol.versions,
                mode: decoded.protocol.mode,
                maxFrameBytes: decoded.protocol.maxFrameBytes,
                maxInFlight: decoded.protocol.maxInFlight
            ),
            exec: decoded.exec,
            timeouts: Timeouts(
                startSeconds: decoded.timeouts.startSeconds,
                requestSeconds: decoded.timeouts.requestSeconds,
                shutdownSeconds: decoded.timeouts.shutdownSeconds,
                heartbeatSeconds: decoded.timeouts.heartbeatSeconds
            ),
            restart: RestartPolicy(
                policy: decoded.restart.policy,
                initialDelaySeconds: decoded.restart.initialDelaySeconds,
                maxDelaySeconds: decoded.restart.maxDelaySeconds,
                resetAfterSeconds: decoded.restart.resetAfterSeconds,
                maxRestarts: decoded.restart.maxRestarts,
                windowSeconds: decoded.restart.windowSeconds
            ),
            directory: directory,
            file: file
        )
    }

    /// A logger that drops everything below warning (tests assert on relays and errors, not logs).
    static let logger: Logger = {
        var logger = Logger(label: "mice.test.pluginhost")
        logger.logLevel = .critical
        return logger
    }()

    /// Open file descriptors of this process.
    static func openFileDescriptorCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    /// Whether `pid` is gone or a zombie (/proc/PID/stat state Z or X).
    static func isDead(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        guard let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state == "Z" || state == "X"
    }
}

/// Every suite that spawns processes runs inside this one, one test at a time: the fd-leak check
/// counts the whole process's descriptors, and two cores are shared with the modules under test.
@Suite(.serialized, .timeLimit(.minutes(2)))
enum ProcessSuites {}
