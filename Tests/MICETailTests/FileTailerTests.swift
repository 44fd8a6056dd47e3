// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEConfig
import MICERecords
import MICETail
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(1)))
struct FileTailerTests {
    /// Starts a tailer and waits until it has opened `open` files.
    func started(
        _ files: [TailedFile], _ configuration: TailConfiguration, positions: TailPositions? = nil, open: Int
    ) async throws -> (FileTailer, LineCollector) {
        let tailer = FileTailer(files: files, configuration: configuration, positions: positions)
        try tailer.start()
        let ready = await until(.seconds(10)) { tailer.statistics.sweeps >= 1 && tailer.statistics.openFiles >= open }
        try #require(ready, "the tailer did not open \(open) files: \(tailer.statistics)")
        return (tailer, LineCollector(tailer))
    }

    @Test(arguments: [TailConfiguration.Mode.inotify, .poll])
    func appendedLinesOnlyFromTheEnd(mode: TailConfiguration.Mode) async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("messages")
        try append("old 1\nold 2\n", to: path)
        let (tailer, collector) = try await started([TailedFile(path: path)], testConfiguration(mode: mode), open: 1)
        #expect(tailer.statistics.isPolling == (mode == .poll))
        let writer = try LogWriter(path)
        writer.lines(["new 1", "new 2", "new 3"])
        await collector.wait(for: 3)
        let lines = await collector.finish()
        #expect(lines.map(\.text) == ["new 1", "new 2", "new 3"])
        #expect(lines.allSatisfy { $0.isTerminated && !$0.isTruncated && $0.path == path && $0.tag == .file })
        #expect(lines.map(\.position.offset) == [18, 24, 30])
        #expect(lines.map(\.bytes) == ["new 1\n", "new 2\n", "new 3\n"].map { Array($0.utf8) })
        #expect(tailer.statistics.lines == 3)
    }

    @Test func severalFilesWithTheirTags() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let files = [
            TailedFile(path: folder.file("a.log"), tag: .file),
            TailedFile(path: folder.file("fw.log"), tag: .firewall),
            TailedFile(path: folder.file("scs.log"), tag: .scslog),
        ]
        for file in files { try append("", to: file.path) }
        let (_, collector) = try await started(files, testConfiguration(startAt: .beginning), open: 3)
        let writers = try files.map { try LogWriter($0.path) }
        for round in 0..<50 {
            for (index, writer) in writers.enumerated() { writer.lines(["\(index)-\(round)"]) }
        }
        await collector.wait(for: 150)
        let lines = await collector.finish()
        #expect(lines.count == 150)
        for (index, file) in files.enumerated() {
            let mine = lines.filter { $0.path == file.path }
            #expect(mine.map(\.text) == (0..<50).map { "\(index)-\($0)" })
            #expect(mine.allSatisfy { $0.tag == file.tag })
        }
        #expect(lines.first { $0.tag == .firewall }?.fileType == LogFormat.FTF_FIREWALL)
        #expect(lines.first { $0.tag == .scslog }?.fileType == LogFormat.FTF_SCSLOG)
        #expect(lines.first { $0.tag == .file }?.fileType == LogFormat.FTF_FILE)
    }

    @Test(arguments: [TailConfiguration.Mode.inotify, .poll])
    func renameRotationMidStream(mode: TailConfiguration.Mode) async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("messages")
        let old = try LogWriter(path)
        let (tailer, collector) = try await started([TailedFile(path: path)], testConfiguration(mode: mode), open: 1)
        old.lines((1...5).map { "before \($0)" })
        await collector.wait(for: 5)
        #expect(rename(path, folder.file("messages.1")) == 0)
        // The writer has not reopened yet: these go to the renamed file.
        old.lines(["late 1", "late 2"])
        old.write("late partial")
        let new = try LogWriter(path)
        new.lines((1...3).map { "after \($0)" })
        await collector.wait(for: 11)
        let lines = await collector.finish()
        let texts = lines.map(\.text)
        #expect(texts.count == 11)
        #expect(Array(texts.prefix(5)) == (1...5).map { "before \($0)" })
        #expect(texts.filter { $0.hasPrefix("after") } == (1...3).map { "after \($0)" })
        #expect(texts.filter { $0.hasPrefix("late") } == ["late 1", "late 2", "late partial"])
        let partial = try #require(lines.first { $0.text == "late partial" })
        #expect(!partial.isTerminated)
        #expect(lines.filter { !$0.isTerminated }.count == 1)
        #expect(tailer.statistics.rotations == 1)
        #expect(tailer.statistics.unterminatedLines == 1)
        // Rotated lines carry the old file's identity, new ones the new file's.
        let oldIdentity = lines[0].position.identity
        #expect(partial.position.identity == oldIdentity)
        #expect(lines.first { $0.text == "after 1" }?.position.identity != oldIdentity)
    }

    @Test func copytruncateRestartsAtZero() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("app.log")
        let writer = try LogWriter(path)
        let (tailer, collector) = try await started([TailedFile(path: path)], testConfiguration(), open: 1)
        let long = String(repeating: "x", count: 100)
        writer.lines((1...4).map { "\(long) \($0)" })
        await collector.wait(for: 4)
        // copytruncate: the content is copied elsewhere, then the file is cut to 0 in place.
        #expect(ftruncate(writer.fd, 0) == 0)
        writer.lines(["fresh 1", "fresh 2"])
        await collector.wait(for: 6)
        let lines = await collector.finish()
        #expect(lines.count == 6)
        #expect(lines.suffix(2).map(\.text) == ["fresh 1", "fresh 2"])
        #expect(lines.suffix(2).map(\.position.offset) == [8, 16])
        #expect(tailer.statistics.truncations == 1)
    }

    @Test func truncateByReopeningWithOTrunc() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("app.log")
        try append("", to: path)
        let (tailer, collector) = try await started([TailedFile(path: path)], testConfiguration(mode: .poll), open: 1)
        try append(String(repeating: "long line\n", count: 20), to: path)
        await collector.wait(for: 20)
        let writer = try LogWriter(path, truncate: true)
        writer.lines(["short"])
        await collector.wait(for: 21)
        let lines = await collector.finish()
        #expect(lines.count == 21)
        #expect(lines.last?.text == "short")
        #expect(tailer.statistics.truncations == 1)
    }

    @Test func fileCreatedLaterIsReadFromItsStart() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("later.log")
        let nested = folder.file("sub/deeper.log")
        let files = [TailedFile(path: path), TailedFile(path: nested)]
        let (tailer, collector) = try await started(files, testConfiguration(), open: 0)
        #expect(tailer.statistics.openFiles == 0)
        // Written before the tailer sees the file: still read, from the start.
        let writer = try LogWriter(path)
        writer.lines(["first", "second"])
        // A file whose folder does not exist yet either: found by the sweep.
        #expect(mkdir(folder.file("sub"), 0o755) == 0)
        try append("deep\n", to: nested)
        await collector.wait(for: 3)
        writer.lines(["third"])
        await collector.wait(for: 4)
        let lines = await collector.finish()
        #expect(lines.filter { $0.path == path }.map(\.text) == ["first", "second", "third"])
        #expect(lines.filter { $0.path == nested }.map(\.text) == ["deep"])
    }

    @Test func lineWrittenInThreePiecesIsOneLine() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("pieces.log")
        let writer = try LogWriter(path)
        let (tailer, collector) = try await started([TailedFile(path: path)], testConfiguration(), open: 1)
        var bytesSoFar: UInt64 = 0
        for piece in ["Jan  1 00:00:00 host ", "sshd[42]: Accepted ", "password for root\n"] {
            writer.write(piece)
            bytesSoFar += UInt64(piece.utf8.count)
            // Make sure the tailer has read this piece before the next one is written.
            let expected = bytesSoFar
            #expect(await until(.seconds(10)) { tailer.statistics.bytes >= expected })
        }
        writer.lines(["next"])
        await collector.wait(for: 2)
        let lines = await collector.finish()
        #expect(lines.map(\.text) == ["Jan  1 00:00:00 host sshd[42]: Accepted password for root", "next"])
        #expect(lines.allSatisfy { $0.isTerminated })
    }

    @Test func oneMebibyteLineIsCutNotSplit() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("huge.log")
        let writer = try LogWriter(path)
        let (tailer, collector) = try await started(
            [TailedFile(path: path)], testConfiguration(maxLine: 4096), open: 1)
        let piece = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
        for _ in 0..<16 { writer.write(piece) }
        #expect(await until(.seconds(10)) { tailer.statistics.bytes >= 1 << 20 })
        #expect(collector.lines.isEmpty)
        writer.write("\nafter 1\nafter 2\n")
        await collector.wait(for: 3)
        let lines = await collector.finish()
        #expect(lines.count == 3)
        #expect(lines[0].content == [UInt8](repeating: UInt8(ascii: "x"), count: 4096))
        #expect(lines[0].isTruncated && lines[0].isTerminated)
        #expect(lines[0].position.offset == (1 << 20) + 1)
        #expect(lines.dropFirst().map(\.text) == ["after 1", "after 2"])
        #expect(!lines[1].isTruncated)
        #expect(tailer.statistics.truncatedLines == 1)
    }

    @Test func nulBytesAndInvalidUTF8AreKept() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("binary.log")
        let writer = try LogWriter(path)
        let (_, collector) = try await started([TailedFile(path: path)], testConfiguration(), open: 1)
        let hostile: [UInt8] = [0x41, 0x00, 0xFF, 0xFE, 0xC3, 0x28, 0x00, 0x0D, 0x42]
        writer.write(hostile + [0x0A] + [0x00] + [0x0A])
        await collector.wait(for: 2)
        let lines = await collector.finish()
        #expect(lines.map(\.content) == [hostile, [0x00]])
    }

    @Test func slowConsumerGetsEveryLineInOrder() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("busy.log")
        try append("", to: path)
        var configuration = testConfiguration()
        configuration.queueCapacity = 2
        let tailer = FileTailer(files: [TailedFile(path: path)], configuration: configuration)
        try tailer.start()
        #expect(await until(.seconds(10)) { tailer.statistics.openFiles == 1 })
        try append((0..<500).map { "line \($0)\n" }.joined(), to: path)
        var received: [String] = []
        for await line in tailer.lines {
            received.append(line.text)
            if received.count % 100 == 0 { try await Task.sleep(for: .milliseconds(10)) }
            if received.count == 500 { tailer.stop() }
        }
        #expect(received == (0..<500).map { "line \($0)" })
    }

    @Test func fifoIsRead() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("pipe")
        #expect(mkfifo(path, 0o600) == 0)
        let (_, collector) = try await started([TailedFile(path: path, tag: .scslog)], testConfiguration(), open: 1)
        let writer = open(path, O_WRONLY | O_CLOEXEC)
        try #require(writer >= 0)
        let text = Array("from a fifo 1\nfrom a fifo 2\n".utf8)
        #expect(text.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) } == text.count)
        await collector.wait(for: 2)
        close(writer)
        let lines = await collector.finish()
        #expect(lines.map(\.text) == ["from a fifo 1", "from a fifo 2"])
        #expect(lines.allSatisfy { $0.tag == .scslog })
    }

    @Test func customOpenerIsUsedAndItsFailuresCounted() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let good = folder.file("good.log")
        let refused = folder.file("refused.log")
        try append("", to: good)
        try append("", to: refused)
        let opened = OpenLog()
        let opener = FileOpener { path in
            opened.add(path)
            if path == refused { throw TailError(.openFailed, path: path, errno: EACCES) }
            return try FileOpener.direct.open(path)
        }
        let (tailer, collector) = try await started(
            [TailedFile(path: good), TailedFile(path: refused)], testConfiguration(opener: opener), open: 1)
        try append("ok\n", to: good)
        await collector.wait(for: 1)
        let lines = await collector.finish()
        #expect(lines.map(\.text) == ["ok"])
        #expect(opened.paths.contains(good) && opened.paths.contains(refused))
        #expect(tailer.statistics.openFailures >= 1)
    }
}

/// The paths an opener was asked for.
final class OpenLog: Sendable {
    private let state = Mutex<[String]>([])
    func add(_ path: String) { state.withLock { $0.append(path) } }
    var paths: [String] { state.withLock { $0 } }
}
