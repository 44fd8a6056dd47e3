// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICETail
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(1)))
struct TailPositionsTests {
    /// Runs one tailer "session" over `path` with the store in `store`: waits for `count` lines,
    /// updates the store for the first `handOn` of them (all when nil), saves, and stops cleanly
    /// (or, with `crash`, drops the tailer without saving again).
    func session(
        _ path: String, store: String, count: Int, handOn: Int? = nil, crash: Bool = false,
        startAt: TailConfiguration.StartPosition = .end, write: (() throws -> Void)? = nil
    ) async throws -> [String] {
        let positions = try TailPositions(file: store)
        let tailer = FileTailer(
            files: [TailedFile(path: path)], configuration: testConfiguration(startAt: startAt), positions: positions)
        try tailer.start()
        #expect(await until(.seconds(10)) { tailer.statistics.openFiles == 1 })
        let limit = handOn ?? Int.max
        let handed = HandOnCounter()
        let collector = LineCollector(tailer) { line in
            if handed.next() <= limit { positions.update(line) }
        }
        try write?()
        await collector.wait(for: count)
        if crash {
            try positions.save()
            tailer.cancel()
            return collector.texts
        }
        let lines = await collector.finish()
        try positions.save()
        return lines.map(\.text)
    }

    @Test("encoded positions come back whole; garbage is a positionsCorrupt error naming its source")
    func encodedRoundTrip() throws {
        let positions = TailPositions()
        let first = FileIdentity(device: 8, inode: 100)
        let second = FileIdentity(device: 8, inode: 101)
        positions.update(path: "/var/log/a", position: TailPosition(identity: first, offset: 4096))
        positions.update(path: "/var/log/a", position: TailPosition(identity: second, offset: 17))
        positions.update(
            path: "/var/log/b", position: TailPosition(identity: FileIdentity(device: 8, inode: 7), offset: 1))
        let copy = try TailPositions(encoded: try positions.encoded())
        #expect(copy.offset(for: "/var/log/a", identity: first) == 4096)
        #expect(copy.offset(for: "/var/log/a", identity: second) == 17)
        #expect(copy.positions == positions.positions)
        #expect(try copy.encoded() == positions.encoded())
        #expect(throws: TailError.self) { try TailPositions(encoded: Array("{\"version\": 9".utf8), source: "spool x") }
        do {
            _ = try TailPositions(encoded: [0xFF], source: "spool rawlogdb")
        } catch {
            #expect("\(error)".contains("spool rawlogdb"))
        }
    }

    @Test func cleanStopNeitherRepeatsNorLoses() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("messages")
        let store = folder.file("positions.json")
        try append("existing\n", to: path)
        let first = try await session(path, store: store, count: 3) {
            try append("a1\na2\na3\n", to: path)
        }
        #expect(first == ["a1", "a2", "a3"])
        // Written while the forwarder is down.
        try append("b1\nb2\n", to: path)
        let second = try await session(path, store: store, count: 3) {
            try append("b3\n", to: path)
        }
        #expect(second == ["b1", "b2", "b3"])
    }

    @Test func crashRepeatsUnsavedLinesButSkipsNone() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("messages")
        let store = folder.file("positions.json")
        try append("", to: path)
        let first = try await session(path, store: store, count: 10, handOn: 6, crash: true) {
            try append((1...10).map { "l\($0)\n" }.joined(), to: path)
        }
        #expect(first == (1...10).map { "l\($0)" })
        let second = try await session(path, store: store, count: 5) {
            try append("l11\n", to: path)
        }
        #expect(second == (7...11).map { "l\($0)" })
    }

    @Test func fileRotatedWhileDownIsReadFromItsStart() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("messages")
        let store = folder.file("positions.json")
        try append("", to: path)
        let first = try await session(path, store: store, count: 2) { try append("x1\nx2\n", to: path) }
        #expect(first == ["x1", "x2"])
        #expect(rename(path, folder.file("messages.1")) == 0)
        try append("y1\ny2\n", to: path)
        let second = try await session(path, store: store, count: 2)
        #expect(second == ["y1", "y2"])
    }

    @Test func fileTruncatedWhileDownIsReadFromZero() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("messages")
        let store = folder.file("positions.json")
        try append("", to: path)
        _ = try await session(path, store: store, count: 3) {
            try append("long line 1\nlong line 2\nlong line 3\n", to: path)
        }
        #expect(truncate(path, 0) == 0)
        try append("z\n", to: path)
        let second = try await session(path, store: store, count: 1)
        #expect(second == ["z"])
    }

    @Test func firstStartAtEndRecordsItsStartSoACrashLosesNothing() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("messages")
        let store = folder.file("positions.json")
        try append("before the first start\n", to: path)
        let positions = try TailPositions(file: store)
        let tailer = FileTailer(
            files: [TailedFile(path: path)], configuration: testConfiguration(), positions: positions)
        try tailer.start()
        #expect(await until(.seconds(10)) { tailer.statistics.openFiles == 1 })
        // Crash before any line was handed on; lines written meanwhile must come after restart.
        tailer.cancel()
        try append("while down\n", to: path)
        let second = try await session(path, store: store, count: 1)
        #expect(second == ["while down"])
    }

    @Test func storeRoundTripAndLimits() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = folder.file("positions.json")
        let positions = try TailPositions(file: store)
        for inode in 1...6 {
            positions.update(
                path: "/var/log/a",
                position: TailPosition(identity: FileIdentity(device: 8, inode: UInt64(inode)), offset: 100))
        }
        positions.update(
            path: "/var/log/b", position: TailPosition(identity: FileIdentity(device: 8, inode: 9), offset: 7))
        try positions.save()
        let loaded = try TailPositions(file: store)
        #expect(loaded.positions["/var/log/a"]?.map(\.identity.inode) == [6, 5, 4, 3])
        #expect(loaded.offset(for: "/var/log/b", identity: FileIdentity(device: 8, inode: 9)) == 7)
        #expect(loaded.offset(for: "/var/log/a", identity: FileIdentity(device: 8, inode: 1)) == nil)
        #expect(loaded.knows("/var/log/a") && !loaded.knows("/var/log/c"))
        loaded.retain(paths: ["/var/log/b"])
        #expect(!loaded.knows("/var/log/a"))
        // No temporary file is left behind.
        #expect(access(store + ".tmp.\(getpid())", F_OK) != 0)
    }

    @Test func corruptStoreIsAnError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = folder.file("positions.json")
        try append("{ not json", to: store)
        #expect(throws: TailError.self) { _ = try TailPositions(file: store) }
        do {
            _ = try TailPositions(file: store)
        } catch let error as TailError {
            #expect(error.code == .positionsCorrupt)
            #expect(error.path == store)
        }
    }
}

/// Counts hand-overs from the collector's task.
final class HandOnCounter: Sendable {
    private let count = Mutex(0)
    func next() -> Int {
        count.withLock {
            $0 += 1
            return $0
        }
    }
}
