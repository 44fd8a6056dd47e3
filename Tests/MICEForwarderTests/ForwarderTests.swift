// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECrypto
import MICERecords
import MICETestSupport
import MICETransport
import Testing

/// The built mice-dataforwarder against a LinkServer in this process: real files, real modules,
/// real sockets, real signals.
@Suite(.serialized) struct ForwarderTests {
    /// Lines of `lines` per file prefix, in order.
    func lines(_ all: [String], prefix: String) -> [String] { all.filter { $0.hasPrefix(prefix) } }

    @Test("two files, rename rotation and copytruncate: every line once, in order per file")
    func rotationAndTruncation() async throws {
        let scratch = try ForwarderScratch()
        defer { scratch.remove() }
        let receiver = try await Receiver()
        defer { Task { await receiver.shutdown() } }
        try scratch.append("a.log", "a1\na2\n")
        try scratch.append("b.log", "b1\n")
        let forwarder = try ForwarderProcess(
            scratch: scratch, config: forwarderConfig(scratch: scratch, port: receiver.port, files: ["a.log", "b.log"]))
        try await forwarder.waitUntilReady()
        #expect(await poll(timeout: 10) { receiver.count == 3 })
        // A line in two pieces.
        try scratch.append("a.log", "a3 first half")
        try await Task.sleep(for: .milliseconds(200))
        try scratch.append("a.log", " second half\na4\n")
        try scratch.append("b.log", "b2\n")
        #expect(await poll(timeout: 10) { receiver.count == 6 })
        // Rename rotation of a.log.
        #expect(rename(scratch.file("a.log"), scratch.file("a.log.1")) == 0)
        try scratch.append("a.log.1", "a5\n")
        try scratch.append("a.log", "a6\na7\n")
        #expect(await poll(timeout: 10) { receiver.count == 9 })
        // copytruncate of b.log.
        let copy = try Data(contentsOf: URL(fileURLWithPath: scratch.file("b.log")))
        try copy.write(to: URL(fileURLWithPath: scratch.file("b.log.1")))
        #expect(truncate(scratch.file("b.log"), 0) == 0)
        try scratch.append("b.log", "b3\n")
        #expect(await poll(timeout: 10) { receiver.count == 10 })
        forwarder.signal(SIGTERM)
        #expect(await forwarder.waitForExit() == 0)
        let received = try receiver.lines()
        #expect(lines(received, prefix: "a") == ["a1", "a2", "a3 first half second half", "a4", "a5", "a6", "a7"])
        #expect(lines(received, prefix: "b") == ["b1", "b2", "b3"])
        #expect(received.count == 10)
    }

    @Test("a line longer than MAXLINELEN arrives cut and is counted")
    func longLineTruncated() async throws {
        let scratch = try ForwarderScratch()
        defer { scratch.remove() }
        let receiver = try await Receiver()
        defer { Task { await receiver.shutdown() } }
        try scratch.append("a.log", String(repeating: "x", count: 300) + "\nshort\n")
        let forwarder = try ForwarderProcess(
            scratch: scratch,
            config: forwarderConfig(scratch: scratch, port: receiver.port, files: ["a.log"], maxLineLength: 100))
        try await forwarder.waitUntilReady()
        #expect(await poll(timeout: 10) { receiver.count == 2 })
        forwarder.signal(SIGTERM)
        #expect(await forwarder.waitForExit() == 0)
        #expect(try receiver.lines() == [String(repeating: "x", count: 100), "short"])
        let stats = try forwarder.stats()
        #expect(stats["truncatedLines"] as? Int == 1)
        #expect(stats["linesRead"] as? Int == 2)
    }

    @Test("receiver down at start: records are spooled and delivered once it is up")
    func receiverDownAtStart() async throws {
        let scratch = try ForwarderScratch()
        defer { scratch.remove() }
        // Learn a free port, then close it.
        let probe = try await Receiver()
        let port = probe.port
        await probe.shutdown()
        try scratch.append("a.log", (1...50).map { "line \($0)\n" }.joined())
        let forwarder = try ForwarderProcess(
            scratch: scratch, config: forwarderConfig(scratch: scratch, port: port, files: ["a.log"]))
        try await forwarder.waitUntilReady()
        #expect(
            await poll(timeout: 10) {
                guard let stats = try? forwarder.stats(), let links = stats["links"] as? [String: Any],
                    let link = links["rawlogdb"] as? [String: Any]
                else { return false }
                return link["pending"] as? Int == 50
            })
        let receiver = try await Receiver(port: port)
        defer { Task { await receiver.shutdown() } }
        #expect(await poll(timeout: 15) { receiver.count == 50 })
        forwarder.signal(SIGTERM)
        #expect(await forwarder.waitForExit() == 0)
        #expect(try receiver.lines() == (1...50).map { "line \($0)" })
    }

    @Test("SIGKILL mid-stream and restart: every line exactly once")
    func crashAndRestart() async throws {
        let scratch = try ForwarderScratch()
        defer { scratch.remove() }
        let receiver = try await Receiver()
        defer { Task { await receiver.shutdown() } }
        try scratch.append("a.log", "")
        let config = forwarderConfig(scratch: scratch, port: receiver.port, files: ["a.log"])
        var forwarder = try ForwarderProcess(scratch: scratch, config: config)
        try await forwarder.waitUntilReady()
        let total = 6000
        let writer = Task.detached {
            for chunk in 0..<60 {
                try scratch.append("a.log", (1...100).map { "line \(chunk * 100 + $0)\n" }.joined())
                try await Task.sleep(for: .milliseconds(25))
            }
        }
        #expect(await poll(timeout: 10) { receiver.count >= 1500 })
        forwarder.signal(SIGKILL)
        _ = await forwarder.waitForExit()
        forwarder = try ForwarderProcess(scratch: scratch, config: config, name: "fwd2")
        try await forwarder.waitUntilReady()
        try await writer.value
        #expect(await poll(timeout: 15) { receiver.count >= total })
        forwarder.signal(SIGTERM)
        #expect(await forwarder.waitForExit() == 0)
        #expect(try receiver.lines() == (1...total).map { "line \($0)" })
    }

    @Test("SIGTERM and restart: no line twice, none lost")
    func cleanStopAndRestart() async throws {
        let scratch = try ForwarderScratch()
        defer { scratch.remove() }
        let receiver = try await Receiver()
        defer { Task { await receiver.shutdown() } }
        try scratch.append("a.log", (1...500).map { "line \($0)\n" }.joined())
        let config = forwarderConfig(scratch: scratch, port: receiver.port, files: ["a.log"])
        var forwarder = try ForwarderProcess(scratch: scratch, config: config)
        try await forwarder.waitUntilReady()
        forwarder.signal(SIGTERM)
        #expect(await forwarder.waitForExit() == 0)
        try scratch.append("a.log", (501...1000).map { "line \($0)\n" }.joined())
        forwarder = try ForwarderProcess(scratch: scratch, config: config, name: "fwd2")
        try await forwarder.waitUntilReady()
        #expect(await poll(timeout: 15) { receiver.count >= 1000 })
        forwarder.signal(SIGTERM)
        #expect(await forwarder.waitForExit() == 0)
        #expect(try receiver.lines() == (1...1000).map { "line \($0)" })
    }

    @Test("FILTER = yes with mice-flt-regex drops the matching lines")
    func filterDrops() async throws {
        let scratch = try ForwarderScratch()
        defer { scratch.remove() }
        let receiver = try await Receiver()
        defer { Task { await receiver.shutdown() } }
        try Data(#"{"rules": ["DROPME"]}"#.utf8).write(to: URL(fileURLWithPath: scratch.file("filter.json")))
        try scratch.append("a.log", "keep 1\nplease DROPME\nkeep 2\nDROPME too\nkeep 3\n")
        let forwarder = try ForwarderProcess(
            scratch: scratch,
            config: forwarderConfig(scratch: scratch, port: receiver.port, files: ["a.log"], filter: true))
        try await forwarder.waitUntilReady()
        #expect(await poll(timeout: 10) { receiver.count == 3 })
        forwarder.signal(SIGTERM)
        #expect(await forwarder.waitForExit() == 0)
        #expect(try receiver.lines() == ["keep 1", "keep 2", "keep 3"])
        #expect(try forwarder.stats()["filtered"] as? Int == 2)
    }

    @Test("ENCRYPT = yes: legacy Twofish CipherMsg records that open with the key")
    func encryptedRecords() async throws {
        let scratch = try ForwarderScratch()
        defer { scratch.remove() }
        let receiver = try await Receiver()
        defer { Task { await receiver.shutdown() } }
        let key = "a long shared secret"
        try scratch.append("a.log", "secret line 1\nsecret line 2\n")
        let forwarder = try ForwarderProcess(
            scratch: scratch,
            config: forwarderConfig(scratch: scratch, port: receiver.port, files: ["a.log"], encryptKey: key))
        try await forwarder.waitUntilReady()
        #expect(await poll(timeout: 10) { receiver.count == 2 })
        forwarder.signal(SIGTERM)
        #expect(await forwarder.waitForExit() == 0)
        for bytes in receiver.received {
            let envelope = try CipherMsg(decoding: bytes, kind: .logFormat(.seed))
            #expect(envelope.ivLength == 16)
            #expect(!bytes.contains(subsequence: Array("secret line".utf8)))
        }
        #expect(try receiver.lines(key: key) == ["secret line 1", "secret line 2"])
        #expect(throws: (any Error).self) { try receiver.lines(key: "the wrong key") }
    }

    @Test("a bad configuration exits 78 naming the file and line")
    func badConfiguration() async throws {
        let scratch = try ForwarderScratch()
        defer { scratch.remove() }
        let forwarder = try ForwarderProcess(
            scratch: scratch,
            config: "[SQL_SERVER]\nSQLIP = 127.0.0.1\nSQLMODE = fast\n[LOGFILE_LIST]\nFILE = \"file: /x\"\n")
        #expect(await forwarder.waitForExit() == 78)
        #expect(forwarder.stderrText.contains("fwd.conf"))
        #expect(forwarder.stderrText.contains("SQLMODE"))
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        return (0...(count - subsequence.count)).contains { Array(self[$0..<($0 + subsequence.count)]) == subsequence }
    }
}

@Suite(.serialized) struct ForwarderThroughputTests {
    @Test("20,000 lines through format module, spool and acked link")
    func throughput() async throws {
        let scratch = try ForwarderScratch()
        defer { scratch.remove() }
        let receiver = try await Receiver()
        defer { Task { await receiver.shutdown() } }
        let total = 20_000
        try scratch.append(
            "a.log", (1...total).map { "Nov 23 21:32:24 host sshd[123]: message number \($0)\n" }.joined())
        let start = ContinuousClock.now
        let forwarder = try ForwarderProcess(
            scratch: scratch, config: forwarderConfig(scratch: scratch, port: receiver.port, files: ["a.log"]))
        try await forwarder.waitUntilReady()
        #expect(await poll(timeout: 120) { receiver.count >= total })
        let seconds =
            Double((ContinuousClock.now - start).components.attoseconds) / 1e18
            + Double((ContinuousClock.now - start).components.seconds)
        print("mice-dataforwarder: \(total) lines in \(seconds) s = \(Int(Double(total) / seconds)) lines/s")
        forwarder.signal(SIGTERM)
        #expect(await forwarder.waitForExit() == 0)
        #expect(receiver.count == total)
        print("mice-dataforwarder stats: \(try forwarder.stats())")
    }
}
