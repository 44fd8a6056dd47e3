// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETestSupport
import MICETransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The built mice-bufferdaemon with the real decoder (mice-dec-logformat) and raw-log store
/// (mice-pop-rawlog on SQLite files), fed over real sockets.
@Suite("mice-bufferdaemon processes", .serialized, .timeLimit(.minutes(3)))
struct BufferDaemonProcessTests {
    @Test("acked (two clients at once) and legacy records end up as SQLite rows, counted exactly; SIGTERM exits 0")
    func ackedAndLegacyRecordsAreStored() async throws {
        let scratch = try Scratch("store")
        defer { scratch.remove() }
        let ackedDatabase = scratch.path + "/acked.sqlite"
        let legacyDatabase = scratch.path + "/legacy.sqlite"
        let config = try scratch.write(
            "bd.conf",
            configText([
                TestEntry(
                    postprocessorFile: try rawlogFile(scratch, "a.json", database: ackedDatabase), batchSize: 100),
                TestEntry(
                    postprocessorFile: try rawlogFile(scratch, "l.json", database: legacyDatabase), linkMode: "legacy",
                    batchSize: 100),
            ]))
        let daemon = try Daemon(config: config, scratch: scratch)
        let entries = try await daemon.ready()
        #expect(entries.map { $0["mode"] as? String } == ["acked", "legacy"])
        #expect(entries.map { $0["record_size"] as? Int } == [1712, 1712])
        let ports = try await daemon.ports()

        let perClient = 600
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<2 {
                group.addTask {
                    let link = try await linkClient(port: ports[0], spool: scratch.path + "/spool\(client)")
                    let running = Task { await link.run() }
                    for start in stride(from: 0, to: perClient, by: 100) {
                        _ = try await link.send(
                            contentsOf: (start..<(start + 100)).map { envelope("client \(client) record \($0)") })
                    }
                    try await link.waitUntilDelivered(timeout: .seconds(30))
                    running.cancel()
                    await running.value
                    link.close()
                }
            }
            group.addTask {
                // A legacy sender: 300 records back to back, then half a record (a short read).
                var bytes = (0..<300).flatMap { envelope("legacy record \($0)") }
                bytes += [UInt8](repeating: 7, count: 500)
                try sendLegacy(port: ports[1], bytes)
            }
            try await group.waitForAll()
        }
        // Acked: delivered means acknowledged, and acknowledged means stored.
        let acked = try await storedLines(ackedDatabase)
        #expect(acked.count == 2 * perClient)
        #expect(Set(acked).count == 2 * perClient)
        try await eventually("the legacy records are stored") { try await storedLines(legacyDatabase).count >= 300 }
        #expect(try await daemon.terminate() == 0)
        let legacy = try await storedLines(legacyDatabase)
        #expect(legacy.count == 300)
        #expect(Set(legacy) == Set((0..<300).map { "legacy record \($0)" }))
        #expect(daemon.stat("stored", entry: 1) == 2 * perClient)
        #expect(daemon.stat("stored", entry: 2) == 300)
        #expect(daemon.stat("short_records", entry: 2) == 1)
        #expect(daemon.stat("connections_accepted", entry: 1) ?? 0 >= 2)
    }

    @Test("a full batch is stored long before TIMEINV; a partial batch is stored by TIMEINV")
    func batchFullVersusInterval() async throws {
        let scratch = try Scratch("flush")
        defer { scratch.remove() }
        let fullDatabase = scratch.path + "/full.sqlite"
        let partialDatabase = scratch.path + "/partial.sqlite"
        let config = try scratch.write(
            "bd.conf",
            configText([
                TestEntry(
                    postprocessorFile: try rawlogFile(scratch, "f.json", database: fullDatabase), interval: 60,
                    linkMode: "legacy", batchSize: 20),
                TestEntry(
                    postprocessorFile: try rawlogFile(scratch, "p.json", database: partialDatabase), interval: 2,
                    linkMode: "legacy", batchSize: 1000),
            ]))
        let daemon = try Daemon(config: config, scratch: scratch)
        let ports = try await daemon.ports()

        let fullStart = ContinuousClock.now
        try sendLegacy(port: ports[0], (0..<20).flatMap { envelope("full \($0)") })
        try await eventually("the full batch is stored", timeout: .seconds(15)) {
            try await storedLines(fullDatabase).count == 20
        }
        let fullTook = ContinuousClock.now - fullStart
        #expect(fullTook < .seconds(15), "TIMEINV is 60 s; the full batch went out after \(fullTook)")

        let partialStart = ContinuousClock.now
        try sendLegacy(port: ports[1], (0..<5).flatMap { envelope("partial \($0)") })
        try await eventually("the partial batch is stored", timeout: .seconds(15)) {
            try await storedLines(partialDatabase).count == 5
        }
        let partialTook = ContinuousClock.now - partialStart
        // The drain loop wakes every TIMEINV, so a record waits at most that long (plus the store).
        #expect(partialTook < .seconds(6), "TIMEINV is 2 s; the partial batch went out after \(partialTook)")
        print(
            "flush: full batch stored after \(fullTook) (TIMEINV 60 s), partial batch after \(partialTook) (TIMEINV 2 s)"
        )
        #expect(try await daemon.terminate() == 0)
    }

    @Test("SIGKILL mid-stream, restart on the same port and state dir: every acked record stored")
    func killedAndRestartedLosesNothing() async throws {
        let scratch = try Scratch("kill")
        defer { scratch.remove() }
        let database = scratch.path + "/raw.sqlite"
        let popFile = try rawlogFile(scratch, "pop.json", database: database)
        var daemon = try Daemon(
            config: try scratch.write("bd1.conf", configText([TestEntry(postprocessorFile: popFile, batchSize: 200)])),
            scratch: scratch, tag: "1")
        let port = try await daemon.ports()[0]
        let total = 10_000
        let client = try await linkClient(port: port, spool: scratch.path + "/spool")
        let running = Task { await client.run() }
        let sending = Task {
            for start in stride(from: 0, to: total, by: 250) {
                _ = try await client.send(contentsOf: (start..<(start + 250)).map { envelope("record \($0)") })
            }
        }
        try await eventually("records are being stored", timeout: .seconds(60)) {
            try await storedLines(database).count >= 1500
        }
        daemon.kill(SIGKILL)
        let atKill = try await storedLines(database).count
        #expect(atKill < total, "killed mid-stream")
        daemon = try Daemon(
            config: try scratch.write(
                "bd2.conf", configText([TestEntry(port: port, postprocessorFile: popFile, batchSize: 200)])),
            scratch: scratch, tag: "2")
        _ = try await daemon.ready()
        try await sending.value
        try await client.waitUntilDelivered(timeout: .seconds(60))
        running.cancel()
        await running.value
        client.close()
        #expect(try await daemon.terminate() == 0)
        let lines = try await storedLines(database)
        let unique = Set(lines)
        #expect(unique == Set((0..<total).map { "record \($0)" }), "zero lost")
        let skipped = daemon.stat("duplicates_skipped") ?? -1
        print(
            "kill -9 mid-stream: \(atKill) rows at the kill, \(lines.count) rows for \(total) records: "
                + "\(lines.count - unique.count) duplicates; \(skipped) resends skipped by the watermarks")
    }

    @Test("drop-newest with a slow postprocessor: drops are counted in the stats file and acknowledged")
    func dropNewestCountsDrops() async throws {
        let scratch = try Scratch("drop")
        defer { scratch.remove() }
        let plugins = try slowPluginsRoot(scratch)
        let config = try scratch.write(
            "bd.conf",
            configText(
                [
                    TestEntry(
                        postprocessor: "slow-store", interval: 0, overflow: "drop-newest", batchSize: 5)
                ], ringSize: 10))
        let daemon = try Daemon(config: config, scratch: scratch, plugins: plugins)
        let port = try await daemon.ports()[0]
        let total = 400
        let client = try await linkClient(port: port, spool: scratch.path + "/spool")
        let running = Task { await client.run() }
        _ = try await client.send(contentsOf: (0..<total).map { envelope("record \($0)") })
        // Dropped records are acknowledged too: the sender is not left waiting for them.
        try await client.waitUntilDelivered(timeout: .seconds(30))
        running.cancel()
        await running.value
        client.close()
        #expect(try await daemon.terminate() == 0)
        let dropped = daemon.stat("dropped") ?? 0
        let stored = daemon.stat("stored") ?? 0
        print("drop-newest: \(stored) stored, \(dropped) dropped of \(total)")
        #expect(dropped > 0)
        #expect(stored + dropped == total)
        #expect(daemon.logText.contains("ring full"))
    }

    @Test("a bad configuration exits 78 naming the file and line")
    func badConfigurationExits78() async throws {
        let scratch = try Scratch("bad")
        defer { scratch.remove() }
        let config = try scratch.write(
            "bad.conf", configText([TestEntry()]) + "[MISC]\nBACKLOG = 16\nNOSUCHKEY = 1\n")
        let result = try runProgram(
            TestPaths.binDirectory + "/mice-bufferdaemon",
            ["-f", config, "--plugins", TestPaths.pluginsRoot, "--state-dir", scratch.path + "/state"], timeout: 30)
        #expect(result.status == 78)
        let lines = configText([TestEntry()]).split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(result.errorText.contains("bad.conf:\(lines + 2)"), "\(result.errorText)")
        #expect(result.errorText.contains("NOSUCHKEY"))
    }

    /// A plugins root with the real decoder and `slow-store`, mice-test-plugin taking 20 ms a record.
    func slowPluginsRoot(_ scratch: Scratch) throws -> String {
        let root = scratch.path + "/plugins"
        for folder in ["decoding/mice-dec-logformat", "postprocessing/slow-store"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(
            atPath: TestPaths.pluginsRoot + "/decoding/mice-dec-logformat/plugin.json",
            toPath: root + "/decoding/mice-dec-logformat/plugin.json")
        _ = try scratch.write(
            "plugins/postprocessing/slow-store/plugin.json",
            """
            {
              "name": "slow-store", "kind": "postprocessing", "version": "1.0.0",
              "description": "A store that takes 20 ms per record (mice-test-plugin).",
              "exec": ["@bin/mice-test-plugin"],
              "protocol": { "versions": [1], "mode": "frames" },
              "options": {
                "mode": { "type": "string", "default": "keep", "description": "test mode" },
                "delayMilliseconds": { "type": "integer", "default": 20, "description": "delay per call" }
              }
            }
            """)
        return root
    }
}
