// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICECore
import MICEPluginManifest
import MICETestSupport
import MICEWire
import Testing

@testable import MICEPluginHost

extension ProcessSuites {
    @Suite("PluginSupervisor with fake plugins", .serialized, .timeLimit(.minutes(1)))
    struct PluginSupervisorTests {
        let logger = FakePlugins.logger
        let record = ModuleCall(fileType: 1, data: Array("keep".utf8))

        static func fastRestarts(_ manifest: inout PluginManifest, maxRestarts: Int = 3) {
            manifest.restart.initialDelaySeconds = 0.01
            manifest.restart.maxDelaySeconds = 0.05
            manifest.restart.maxRestarts = maxRestarts
            manifest.restart.windowSeconds = 60
        }

        @Test("crash-after-n-frames with crashAfter 0: backoff, then crash loop → failed")
        func crashLoop() async throws {
            var manifest = try FakePlugins.manifest("crash-after-n-frames")
            Self.fastRestarts(&manifest, maxRestarts: 3)
            let supervisor = PluginSupervisor(
                manifest: manifest,
                options: PluginSpawnOptions(configuration: ["crashAfter": .int(0)]),
                logger: logger
            )
            await supervisor.run()
            let status = supervisor.status
            #expect(status.state == .failed)
            #expect(status.lastError?.code == .crashLoop)
            #expect(status.restarts == 3)
            #expect(status.spawns == 4)
            await #expect {
                _ = try await supervisor.connection(timeout: 0.1)
            } throws: { error in
                (error as? PluginError)?.code == .notRunning
            }
        }

        @Test("a call in flight when the module dies fails; after the restart a retry works")
        func restartAndRetry() async throws {
            var manifest = try FakePlugins.manifest("crash-after-n-frames")
            Self.fastRestarts(&manifest)
            let supervisor = PluginSupervisor(
                manifest: manifest,
                options: PluginSpawnOptions(configuration: ["crashAfter": .int(2)]),
                logger: logger
            )
            async let running: Void = supervisor.run()
            let first = try await supervisor.connection()
            let firstPID = first.process.pid
            #expect(try await first.call(record).returnValue == 0)
            #expect(try await first.call(record).returnValue == 0)
            await #expect(throws: PluginError.self) { _ = try await first.call(record) }
            let second = try await supervisor.connection()
            #expect(second.process.pid != firstPID)
            #expect(try await second.call(record).returnValue == 0)
            #expect(supervisor.status.restarts == 1)
            #expect(supervisor.status.lastExitStatus == .exited(1))
            supervisor.stop()
            await running
            #expect(supervisor.status.state == .stopped)
        }

        @Test("ignores-ping: heartbeat failure → unhealthy → restart")
        func heartbeatRestart() async throws {
            var manifest = try FakePlugins.manifest("ignores-ping")
            Self.fastRestarts(&manifest, maxRestarts: 10)
            let supervisor = PluginSupervisor(manifest: manifest, logger: logger)
            async let running: Void = supervisor.run()
            let status = await supervisor.waitForStatus(timeout: 10) { $0.restarts >= 1 }
            #expect(status?.lastError?.code == .unhealthy)
            supervisor.stop()
            await running
            #expect(supervisor.status.state == .stopped)
        }

        @Test("bad-version and no-cookie fail at once, without restarts")
        func notRestarted() async throws {
            var manifest = try FakePlugins.manifest("bad-version")
            Self.fastRestarts(&manifest)
            let versions = PluginSupervisor(manifest: manifest, logger: logger)
            await versions.run()
            #expect(versions.status.state == .failed)
            #expect(versions.status.lastError?.code == .versionMismatch)
            #expect(versions.status.spawns == 1)

            var cookie = try FakePlugins.manifest("no-cookie")
            Self.fastRestarts(&cookie)
            cookie.restart.policy = .always
            let noCookie = PluginSupervisor(
                manifest: cookie, options: PluginSpawnOptions(passesCookie: false), logger: logger)
            await noCookie.run()
            #expect(noCookie.status.state == .failed)
            #expect(noCookie.status.lastError?.exitStatus == .exited(64))
            #expect(noCookie.status.spawns == 1)
        }

        @Test("stop() tears the module down: SHUTDOWN, exit 0, stopped")
        func stop() async throws {
            let supervisor = PluginSupervisor(manifest: try FakePlugins.manifest("ok-echo"), logger: logger)
            async let running: Void = supervisor.run()
            let connection = try await supervisor.connection()
            #expect(try await connection.call(batch: Array(repeating: record, count: 100)).count == 100)
            let pid = try #require(supervisor.status.pid)
            supervisor.stop()
            await running
            #expect(supervisor.status.state == .stopped)
            #expect(supervisor.status.lastExitStatus == .exited(0))
            #expect(FakePlugins.isDead(pid))
        }

        @Test("cancelling run() stops the module too")
        func cancellation() async throws {
            let supervisor = PluginSupervisor(manifest: try FakePlugins.manifest("ok-echo"), logger: logger)
            let task = Task { await supervisor.run() }
            _ = try await supervisor.connection()
            task.cancel()
            await task.value
            #expect(supervisor.status.state == .stopped)
        }

        @Test("after many restarts the host's fd count is unchanged")
        func noFileDescriptorLeak() async throws {
            var manifest = try FakePlugins.manifest("crash-after-n-frames")
            Self.fastRestarts(&manifest, maxRestarts: 12)
            let before = await FakePlugins.descriptorsBeforeCheck()
            let supervisor = PluginSupervisor(
                manifest: manifest,
                options: PluginSpawnOptions(configuration: ["crashAfter": .int(0)]),
                logger: logger
            )
            await supervisor.run()
            #expect(supervisor.status.spawns == 13)
            // The I/O threads close their fds right after end of file; the check gives them a bounded moment.
            let opened = FakePlugins.descriptorsOpened(since: before)
            #expect(opened.isEmpty, "descriptors left open: \(opened)")
        }

        @Test("the Swift SDK module (mice-test-plugin) under the supervisor")
        func swiftPlugin() async throws {
            let supervisor = PluginSupervisor(
                manifest: SwiftPlugin.manifest(kind: .pseudonymizer),
                options: PluginSpawnOptions(
                    binDirectory: SwiftPlugin.binDirectory, configuration: ["mode": .string("echo")]),
                logger: logger
            )
            async let running: Void = supervisor.run()
            let connection = try await supervisor.connection()
            #expect(connection.hello?.name == "mice-test-plugin")
            let data = [UInt8](repeating: 0x42, count: 1688)
            let replies = try await connection.call(
                batch: Array(repeating: ModuleCall(fileType: 1, data: data), count: 500))
            #expect(replies.allSatisfy { $0.returnValue == 0 && $0.data == data })
            supervisor.stop()
            await running
            #expect(supervisor.status.lastExitStatus == .exited(0))
        }

        @Test(
            "the Swift SDK module rejects a bad configuration → configurationRejected, exit 78, no restart", )
        func swiftPluginBadConfig() async throws {
            var manifest = SwiftPlugin.manifest(kind: .filter)
            manifest.restart.policy = .always
            let supervisor = PluginSupervisor(
                manifest: manifest,
                options: PluginSpawnOptions(
                    binDirectory: SwiftPlugin.binDirectory, configuration: ["mode": .string("fail-config")]),
                logger: logger
            )
            await supervisor.run()
            #expect(supervisor.status.state == .failed)
            #expect(supervisor.status.lastError?.code == .configurationRejected)
            #expect(supervisor.status.lastError?.detail.contains("mode") == true)
            #expect(supervisor.status.spawns == 1)
        }
    }
}

/// The Swift fake module built from Tests/Fixtures/swift-plugin on MICEPluginKit.
enum SwiftPlugin {
    /// The build's bin directory (`swift test` builds mice-test-plugin with every product).
    static var binDirectory: String { TestPaths.binDirectory }

    static func manifest(kind: PluginKind, maxInFlight: Int = 256) -> PluginManifest {
        let directory = FakePlugins.root.replacingOccurrences(of: "/plugins", with: "/swift-plugin")
        return PluginManifest(
            name: "mice-test-plugin",
            kind: kind,
            version: "1.0.0",
            description: "Swift fake module on MICEPluginKit",
            protocol: ProtocolSettings(maxInFlight: maxInFlight),
            exec: ["@bin/mice-test-plugin"],
            directory: directory,
            file: directory + "/plugin.json"
        )
    }
}
