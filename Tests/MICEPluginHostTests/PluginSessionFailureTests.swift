// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICECore
import MICEPluginManifest
import MICEWire
import Testing

@testable import MICEPluginHost

extension ProcessSuites {
    /// Sessions that misbehave after READY: the call fails with the exact code; the host survives.
    @Suite("Session failures and robustness", .timeLimit(.minutes(1)))
    struct PluginSessionFailureTests {
        let logger = FakePlugins.logger
        let record = ModuleCall(fileType: 1, data: Array("keep".utf8))

        static func residentMegabytes() -> Double {
            guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                let kilobytes = Double(line.split(separator: " ", omittingEmptySubsequences: true)[1])
            else { return -1 }
            return kilobytes / 1024
        }

        @Test("oversized-frame → frameTooLarge at once, without allocating 64 MiB")
        func oversized() async throws {
            let connection = try await PluginConnection.launch(
                manifest: try FakePlugins.manifest("oversized-frame"), logger: logger)
            let before = Self.residentMegabytes()
            let started = ContinuousClock.now
            await #expect {
                _ = try await connection.call(record)
            } throws: { error in
                (error as? PluginError)?.code == .frameTooLarge
            }
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(Self.residentMegabytes() - before < 32)
            #expect(connection.failure?.code == .frameTooLarge)
            #expect(connection.failure?.detail.contains("67108864") == true)
            let status = await connection.shutdown()
            #expect(status == .signaled(15))
        }

        @Test("truncated-frame-then-eof → truncatedFrame")
        func truncated() async throws {
            let connection = try await PluginConnection.launch(
                manifest: try FakePlugins.manifest("truncated-frame-then-eof"),
                logger: logger
            )
            await #expect {
                _ = try await connection.call(record)
            } throws: { error in
                (error as? PluginError)?.code == .truncatedFrame
            }
            #expect(await connection.shutdown() == .exited(0))
        }

        @Test("no reply within requestSeconds → requestTimeout")
        func requestTimeout() async throws {
            var manifest = try FakePlugins.manifest("ignores-ping")
            manifest.timeouts.requestSeconds = 0.3
            manifest.timeouts.heartbeatSeconds = 0
            let connection = try await PluginConnection.launch(
                manifest: manifest,
                options: PluginSpawnOptions(configuration: ["silent": .bool(true)]),
                logger: logger
            )
            let started = ContinuousClock.now
            await #expect {
                _ = try await connection.call(record)
            } throws: { error in
                (error as? PluginError)?.code == .requestTimeout
            }
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(3))
            await connection.shutdown()
        }

        @Test("ignores-ping → unhealthy after three PINGs without PONG")
        func unhealthy() async throws {
            let connection = try await PluginConnection.launch(
                manifest: try FakePlugins.manifest("ignores-ping"), logger: logger)
            #expect(try await connection.call(record).returnValue == 0)
            let reason = await connection.waitUntilClosed()
            #expect(reason.code == .unhealthy)
            #expect(connection.statistics.pingsSent == 3)
            await connection.shutdown()
        }

        @Test("ok-echo answers PINGs: a heartbeat of 50 ms keeps the session up")
        func heartbeatHealthy() async throws {
            var manifest = try FakePlugins.manifest("ok-echo")
            manifest.timeouts.heartbeatSeconds = 0.05
            let connection = try await PluginConnection.launch(manifest: manifest, logger: logger)
            let relay = connection.process.stderr
            #expect(await relay.waitForLine(containing: "ok-echo ready", timeout: 5) != nil)
            let deadline = ContinuousClock.now + .seconds(5)
            while connection.statistics.pingsSent < 6, ContinuousClock.now < deadline {
                #expect(try await connection.call(record).returnValue == 0)
                try await Task.sleep(for: .milliseconds(60))
            }
            #expect(connection.statistics.pingsSent >= 6)
            #expect(connection.isOpen)
            #expect(await connection.shutdown() == .exited(0))
        }

        @Test("stderr-flood: the host keeps working and the relay rate-limits")
        func stderrFlood() async throws {
            let connection = try await PluginConnection.launch(
                manifest: try FakePlugins.manifest("stderr-flood"), logger: logger)
            let relay = connection.process.stderr
            #expect(await relay.waitForLine(containing: "stderr-flood ready", timeout: 20) != nil)
            let replies = try await connection.call(batch: Array(repeating: record, count: 2000))
            #expect(replies.count == 2000)
            let statistics = relay.statistics
            #expect(statistics.lines >= 100_000)
            #expect(statistics.suppressed >= 90_000)
            #expect(relay.tail.count == StderrRelay.tailCapacity)
            #expect(await connection.shutdown() == .exited(0))
        }

        @Test("stderr-1mib-no-newline: the line is cut at 4096 bytes, the relay goes on")
        func longLine() async throws {
            let connection = try await PluginConnection.launch(
                manifest: try FakePlugins.manifest("stderr-1mib-no-newline"),
                logger: logger
            )
            let relay = connection.process.stderr
            #expect(await relay.waitForLine(containing: "stderr-1mib-no-newline ready", timeout: 10) != nil)
            #expect(relay.statistics.truncated == 1)
            let cut = relay.tail.first { $0.hasSuffix(StderrRelay.truncationMarker) }
            #expect(cut?.utf8.count == StderrRelay.maxLineBytes + StderrRelay.truncationMarker.utf8.count)
            #expect(try await connection.call(record).returnValue == 0)
            #expect(await connection.shutdown() == .exited(0))
        }

        @Test("slow-reader: the window of maxInFlight is respected and the batch completes")
        func slowReader() async throws {
            let manifest = try FakePlugins.manifest("slow-reader")
            let connection = try await PluginConnection.launch(
                manifest: manifest,
                options: PluginSpawnOptions(configuration: ["window": .int(Int64(manifest.protocol.maxInFlight))]),
                logger: logger
            )
            let payload = ModuleCall(fileType: 1, data: [UInt8](repeating: 0x6B, count: 100))
            async let slow = connection.call(batch: Array(repeating: payload, count: 400))
            // The cooperative pool stays free while the writer waits for the module.
            let quick = await Task.detached { 21 * 2 }.value
            #expect(quick == 42)
            #expect(try await slow.count == 400)
            #expect(connection.statistics.callsSent == 400)
            #expect(await connection.shutdown() == .exited(0))
            #expect(connection.process.stderr.tail.contains { $0.contains("most unanswered at once") })
        }

        @Test("lines mode: one line per call, empty line = drop; config in MICE_PLUGIN_CONFIG")
        func linesMode() async throws {
            let connection = try await PluginConnection.launch(
                manifest: try FakePlugins.manifest("lines-filter"), logger: logger)
            #expect(connection.hello == nil)
            let lines = ["keep one", "drop two", "keep\nthree", "drop"].map { ModuleCall(data: Array($0.utf8)) }
            let values = try await connection.callReturnValues(payloads: lines.map(\.data))
            #expect(values == [0, 1, 0, 1])
            let big = (0..<3000).map { ModuleCall(data: Array("line \($0) \($0 % 2 == 0 ? "drop" : "keep")".utf8)) }
            let replies = try await connection.call(batch: big)
            #expect(replies.enumerated().allSatisfy { $0.element.returnValue == ($0.offset % 2 == 0 ? 1 : 0) })
            #expect(await connection.shutdown() == .exited(0))
        }

        @Test("calls after the session ended fail with the session's error; the host survives")
        func callsAfterFailure() async throws {
            let connection = try await PluginConnection.launch(
                manifest: try FakePlugins.manifest("truncated-frame-then-eof"),
                logger: logger
            )
            _ = try? await connection.call(record)
            for _ in 0..<3 {
                await #expect(throws: PluginError.self) { _ = try await connection.call(batch: [record, record]) }
            }
            await connection.shutdown()
        }
    }
}
