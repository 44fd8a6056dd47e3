// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import MICEPluginManifest
import MICEWire
import Testing

@testable import MICEPluginHost

extension ProcessSuites {
    /// Starts that must fail with an exact error code, and leave the host (this test process) fine.
    @Suite("Failed starts", .timeLimit(.minutes(1)))
    struct PluginStartFailureTests {
        let logger = FakePlugins.logger

        /// Launches `scenario` and returns the error it must fail with.
        func startError(_ scenario: String, options: PluginSpawnOptions = PluginSpawnOptions()) async throws
            -> PluginError
        {
            let manifest = try FakePlugins.manifest(scenario)
            do {
                let connection = try await PluginConnection.launch(manifest: manifest, options: options, logger: logger)
                await connection.shutdown()
                Issue.record("\(scenario) started although it should not")
                throw PluginError(.protocolViolation, plugin: scenario, "unexpected start")
            } catch let error as PluginError {
                return error
            }
        }

        @Test("prints-text-instead-of-hello → nonProtocolOutput with the text")
        func printsText() async throws {
            let error = try await startError("prints-text-instead-of-hello")
            #expect(error.code == .nonProtocolOutput)
            #expect(error.detail.contains("plugin wrote non-protocol output to stdout"))
            #expect(error.detail.contains("Starting fake module, version 1.0"))
            #expect(error.exitStatus != nil)
        }

        @Test("bad-magic → nonProtocolOutput")
        func badMagic() async throws {
            let error = try await startError("bad-magic")
            #expect(error.code == .nonProtocolOutput)
            #expect(error.detail.contains("not-mice"))
        }

        @Test("bad-version → versionMismatch; the module got ERROR 1")
        func badVersion() async throws {
            let error = try await startError("bad-version")
            #expect(error.code == .versionMismatch)
            #expect(error.moduleErrorCode == PluginErrorCode.incompatibleVersion)
            #expect(error.exitStatus == .exited(76))
            #expect(error.stderrTail.contains { $0.contains("host refused") && $0.contains("\"code\":1") })
        }

        @Test("slow-start → handshakeTimeout after startSeconds, process killed")
        func slowStart() async throws {
            let started = ContinuousClock.now
            let error = try await startError("slow-start")
            let elapsed = ContinuousClock.now - started
            #expect(error.code == .handshakeTimeout)
            #expect(elapsed >= .milliseconds(450) && elapsed < .seconds(4))
            #expect(error.exitStatus == .signaled(15))
        }

        @Test("exit-before-hello → exitedBeforeHandshake with exit status 3 and its stderr line")
        func exitBeforeHello() async throws {
            let error = try await startError("exit-before-hello")
            #expect(error.code == .exitedBeforeHandshake)
            #expect(error.exitStatus == .exited(3))
            #expect(error.stderrTail.contains { $0.contains("cannot open /nonexistent/fake.conf") })
            #expect(error.description.contains("exit status 3"))
            #expect(error.description.contains("cannot open /nonexistent/fake.conf"))
        }

        @Test("no-cookie → the module exits 64 with its one-line notice")
        func noCookie() async throws {
            let error = try await startError("no-cookie", options: PluginSpawnOptions(passesCookie: false))
            #expect(error.code == .exitedBeforeHandshake)
            #expect(error.exitStatus == .exited(64))
            #expect(error.exitStatus?.isRestartable == false)
            #expect(error.stderrTail.contains { $0.contains("started by the M-ICE daemons") })
        }

        @Test("a missing executable → spawnFailed, nothing leaks")
        func missingExecutable() async throws {
            var manifest = try FakePlugins.manifest("ok-echo")
            manifest.exec = ["does-not-exist"]
            let before = await FakePlugins.descriptorsBeforeCheck()
            #expect(throws: PluginError.self) { try PluginProcess.spawn(manifest: manifest, logger: logger) }
            do {
                _ = try PluginProcess.spawn(manifest: manifest, logger: logger)
            } catch {
                #expect(error.code == .spawnFailed)
                #expect(error.detail.contains("/ok-echo/does-not-exist"))
            }
            manifest.exec = ["@bin/mice-nothing"]
            do {
                _ = try PluginProcess.spawn(manifest: manifest, logger: logger)
            } catch {
                #expect(error.code == .spawnFailed)
            }
            let opened = FakePlugins.descriptorsOpened(since: before)
            #expect(opened.isEmpty, "descriptors left open: \(opened)")
        }
    }
}
