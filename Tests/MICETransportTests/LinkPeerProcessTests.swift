// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Crashes simulated with real processes: mice-test-linkpeer killed with SIGKILL mid-stream.
@Suite("Link peers in child processes, killed with SIGKILL", .serialized, .timeLimit(.minutes(3)))
struct LinkPeerProcessTests {
    @Test("receiver process killed mid-stream and restarted on the same port: every record exactly once")
    func receiverKilled() async throws {
        let directory = try TemporaryDirectory("peer")
        defer { directory.remove() }
        let output = directory.path + "/received.txt"
        var server = try LinkPeer.start(
            ["server", "--port", "0", "--output", output, "--ready-file", directory.path + "/ready1"],
            readyFile: directory.path + "/ready1", log: directory.path + "/server1.log")
        let port = try #require(Int(try await server.readyText().trimmingCharacters(in: .whitespacesAndNewlines)))
        let client = try await LinkClient(
            configuration: clientConfiguration(
                endpoint: .tcp(host: "127.0.0.1", port: port), spool: directory.path + "/spool"),
            logger: quietLogger)
        let total: UInt64 = 30_000
        try await withRunningClient(client) {
            let sending = Task {
                for start in stride(from: UInt64(1), through: total, by: 250) {
                    try await client.send(contentsOf: (start..<(start + 250)).map { makeRecord(id: $0, size: 1712) })
                }
            }
            try await eventually("records reach the first receiver") { lineCount(output) >= 5000 }
            server.kill()
            let atKill = lineCount(output)
            #expect(atKill < Int(total), "the receiver died mid-stream")
            server = try LinkPeer.start(
                ["server", "--port", "\(port)", "--output", output, "--ready-file", directory.path + "/ready2"],
                readyFile: directory.path + "/ready2", log: directory.path + "/server2.log")
            _ = try await server.readyText()
            try await sending.value
            try await client.waitUntilDelivered(timeout: .seconds(90))
        }
        server.kill()
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: " ")
        }
        let ids = lines.compactMap { UInt64($0[2]) }
        #expect(!lines.contains { $0[2] == "corrupt" })
        #expect(Set(ids) == Set(1...total), "every record delivered")
        // The receiver persists its watermark with the data (the output file), so after the restart
        // it skips what it already has: each record exactly once, even before deduplication.
        #expect(ids.count == Int(total), "no record stored twice")
        #expect(Set(lines.map { $0[0] }) == [Substring(client.senderID)])
        #expect(client.statistics.connections >= 2)
        client.close()
    }

    @Test("sender process restarted with a non-empty spool: resent, nothing lost, nothing acknowledged resent")
    func senderRestarted() async throws {
        let directory = try TemporaryDirectory("peer")
        defer { directory.remove() }
        let spool = directory.path + "/spool"
        let received = Received()
        let server = try await LinkServer.bind(
            configuration: .init(
                link: "test", mode: .acked, recordSize: 1712, endpoint: .tcp(host: "127.0.0.1", port: 0)),
            logger: quietLogger)
        let port = try #require(server.port)

        // 1. Records 1–3000 delivered and acknowledged; the sender exits.
        try await withRunningServer(
            server,
            RecordSink { record in
                received.add(record)
                record.acknowledge()
            }
        ) {
            let first = try LinkPeer.start(
                [
                    "client", "--port", "\(port)", "--spool", spool, "--first", "1", "--count", "3000", "--wait",
                    "--ready-file", directory.path + "/c1",
                ], readyFile: directory.path + "/c1", log: directory.path + "/client1.log")
            #expect(try await first.waitForExit(timeout: .seconds(60)) == 0)
        }
        #expect(received.count == 3000)

        // 2. Receiver down. The sender spools 3001–7000 and is killed: the spool keeps them.
        let second = try LinkPeer.start(
            [
                "client", "--port", "\(port)", "--spool", spool, "--first", "3001", "--count", "4000",
                "--ready-file", directory.path + "/c2",
            ], readyFile: directory.path + "/c2", log: directory.path + "/client2.log")
        #expect(try await second.readyText().hasPrefix("spooled 4000"))
        second.kill()

        // 3. A new receiver that knows nothing (no watermark): had the sender forgotten its
        //    acknowledgement pointer, records 1–3000 would show up again here.
        let fresh = Received()
        let replacement = try await LinkServer.bind(
            configuration: .init(
                link: "test", mode: .acked, recordSize: 1712, endpoint: .tcp(host: "127.0.0.1", port: port)),
            logger: quietLogger)
        try await withRunningServer(
            replacement,
            RecordSink { record in
                fresh.add(record)
                record.acknowledge()
            }
        ) {
            let third = try LinkPeer.start(
                [
                    "client", "--port", "\(port)", "--spool", spool, "--count", "0", "--wait",
                    "--ready-file", directory.path + "/c3",
                ], readyFile: directory.path + "/c3", log: directory.path + "/client3.log")
            #expect(try await third.waitForExit(timeout: .seconds(60)) == 0)
        }
        let ids = fresh.all.compactMap(\.id)
        #expect(ids == Array(3001...7000), "exactly the unacknowledged records, once each, in order")
        #expect(replacement.statistics.duplicatesSkipped == 0)
        let segments = try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasSuffix(".spool") }
        #expect(segments.isEmpty)
    }
}

private func lineCount(_ path: String) -> Int {
    guard let data = FileManager.default.contents(atPath: path) else { return 0 }
    return data.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
}

/// A running mice-test-linkpeer.
struct LinkPeer {
    let process: Process
    let readyFile: String
    let log: String

    static func start(_ arguments: [String], readyFile: String, log: String) throws -> LinkPeer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary())
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return LinkPeer(process: process, readyFile: readyFile, log: log)
    }

    /// Waits (bounded) for the ready file and returns its content.
    func readyText(timeout: Duration = .seconds(60)) async throws -> String {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: readyFile, encoding: .utf8), !text.isEmpty { return text }
            if !process.isRunning {
                let log = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                Issue.record("mice-test-linkpeer exited (\(process.terminationStatus)) before ready: \(log)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("mice-test-linkpeer not ready in time")
        throw CancellationError()
    }

    /// SIGKILL, then reap.
    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func waitForExit(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill()
                let log = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                Issue.record("mice-test-linkpeer did not exit in time: \(log)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    /// The built mice-test-linkpeer: $MICE_BIN_DIR, or beside the test bundle, or .build/debug.
    static func binary() throws -> String {
        let name = "mice-test-linkpeer"
        if let bin = ProcessInfo.processInfo.environment["MICE_BIN_DIR"], !bin.isEmpty { return bin + "/" + name }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        let fallback = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/" + name).path
        try #require(FileManager.default.isExecutableFile(atPath: fallback), "\(name) not found; run swift build first")
        return fallback
    }
}
