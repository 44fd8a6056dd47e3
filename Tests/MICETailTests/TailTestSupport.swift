// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEConfig
import MICETail
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A fresh temporary folder, removed by `remove()`.
struct TemporaryFolder {
    let path: String

    init() throws {
        var template = Array("/tmp/mice-tail-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(made != nil, "mkdtemp failed")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() {
        var stack = [path]
        var folders: [String] = []
        while let folder = stack.popLast() {
            folders.append(folder)
            guard let directory = opendir(folder) else { continue }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                let child = folder + "/" + name
                var info = stat()
                if lstat(child, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
                    stack.append(child)
                } else {
                    unlink(child)
                }
            }
            closedir(directory)
        }
        for folder in folders.reversed() { rmdir(folder) }
    }
}

/// A writer that keeps its file open (like syslogd), so that writes after a rename go to the old file.
final class LogWriter {
    let fd: Int32

    init(_ path: String, truncate: Bool = false) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0o644)
        try #require(fd >= 0, "cannot open \(path): \(errno)")
    }

    func write(_ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            precondition(count > 0, "write failed")
            done += count
        }
    }

    func write(_ text: String) { write(Array(text.utf8)) }

    func lines(_ lines: [String]) { write(lines.map { $0 + "\n" }.joined()) }

    deinit { close(fd) }
}

/// Appends `text` to `path` (opening and closing it).
func append(_ text: String, to path: String) throws {
    try LogWriter(path).write(text)
}

/// Consumes a tailer's lines in the background; tests wait (bounded) for counts.
final class LineCollector: Sendable {
    private final class State: Sendable {
        let value = Mutex<(lines: [TailLine], finished: Bool)>(([], false))
        func withLock<R>(_ body: (inout (lines: [TailLine], finished: Bool)) -> R) -> R { value.withLock { body(&$0) } }
    }
    private let state = State()
    let tailer: FileTailer
    /// Called after each line is stored (e.g. to update positions).
    private let onLine: (@Sendable (TailLine) -> Void)?

    init(_ tailer: FileTailer, onLine: (@Sendable (TailLine) -> Void)? = nil) {
        self.tailer = tailer
        self.onLine = onLine
        Task { [state, onLine] in
            for await line in tailer.lines {
                state.withLock { $0.lines.append(line) }
                onLine?(line)
            }
            state.withLock { $0.finished = true }
        }
    }

    var lines: [TailLine] { state.withLock { $0.lines } }
    var texts: [String] { lines.map { String(decoding: $0.content, as: UTF8.self) } }

    /// Waits until at least `count` lines arrived (at most `timeout`); returns them all.
    @discardableResult
    func wait(
        for count: Int, timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation
    ) async -> [TailLine] {
        let arrived = await until(timeout) { self.lines.count >= count }
        if !arrived {
            Issue.record("only \(lines.count) of \(count) lines arrived: \(texts)", sourceLocation: sourceLocation)
        }
        return lines
    }

    /// Stops the tailer and waits (bounded) for the sequence to end; returns every line.
    func finish(timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation) async
        -> [TailLine]
    {
        tailer.stop()
        let ended = await until(timeout) { self.state.withLock { $0.finished } }
        if !ended { Issue.record("the line sequence did not end after stop()", sourceLocation: sourceLocation) }
        return lines
    }
}

/// Polls `condition` every 5 ms until it holds or `timeout` passes.
func until(_ timeout: Duration, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// A configuration for tests: quick sweeps and a short rotation grace.
func testConfiguration(
    mode: TailConfiguration.Mode = .inotify, startAt: TailConfiguration.StartPosition = .end, maxLine: Int = 65536,
    grace: Duration = .milliseconds(300), opener: FileOpener = .direct
) -> TailConfiguration {
    TailConfiguration(
        mode: mode, interval: .milliseconds(mode == .poll ? 20 : 200), maxLineLength: maxLine, startAt: startAt,
        rotationGrace: grace, opener: opener)
}

extension TailLine {
    var text: String { String(decoding: content, as: UTF8.self) }
}
