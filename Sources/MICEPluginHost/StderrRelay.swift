// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import DequeModule
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Reads a module's stderr to its end, always, and relays each line to the host's log.
///
/// One dedicated thread per module does blocking reads of 64 KiB chunks (stderr is a pipe, and a
/// blocking read must not occupy the cooperative pool). Lines are cut at ``maxLineBytes``: the
/// first part is logged at once with `…[truncated]`, the rest up to the next newline is skipped,
/// so neither a very long line nor a line without newline grows memory or stops the relay.
/// A prefix `E! `, `W! `, `I! `, `D! ` or `T! ` picks the level (unprefixed lines are info).
/// A token bucket limits how many lines per second reach the log; the others are counted and the
/// count is logged when the bucket refills. The last ``tailCapacity`` lines, logged or not, are
/// kept for error messages (``tail``). The file descriptor is closed at end of file.
public final class StderrRelay: Sendable {
    /// Longest line relayed; the rest of a longer line is dropped.
    public static let maxLineBytes = 4096
    /// How many of the last lines ``tail`` keeps.
    public static let tailCapacity = 50
    /// The marker appended to a cut line.
    public static let truncationMarker = "…[truncated]"

    /// How many lines per second reach the log.
    public struct RateLimit: Hashable, Sendable {
        /// Sustained lines per second.
        public var linesPerSecond: Double
        /// Lines that may be logged at once after a quiet period.
        public var burst: Double

        /// Creates a rate limit.
        public init(linesPerSecond: Double = 200, burst: Double = 500) {
            self.linesPerSecond = linesPerSecond
            self.burst = burst
        }
    }

    /// Counters of the relay, for status and tests.
    public struct Statistics: Hashable, Sendable {
        /// Lines read (complete or cut).
        public var lines = 0
        /// Lines not logged because of the rate limit.
        public var suppressed = 0
        /// Lines cut at ``StderrRelay/maxLineBytes``.
        public var truncated = 0
        /// Bytes read.
        public var bytes = 0
    }

    private struct Shared {
        var tail = Deque<String>(minimumCapacity: StderrRelay.tailCapacity)
        var statistics = Statistics()
        var watchers: [(predicate: @Sendable (String) -> Bool, promise: OneShot<String>)] = []
    }

    private let shared = Mutex(Shared())
    private let finished = OneShot<Void>()

    /// Starts relaying `fileDescriptor` (which the relay owns and closes at end of file).
    /// - Parameters:
    ///   - fileDescriptor: the read end of the module's stderr pipe.
    ///   - pluginName: for the `plugin.name` metadata.
    ///   - pid: for the `plugin.pid` metadata.
    ///   - logger: where lines go.
    ///   - rateLimit: how many lines per second are logged.
    public init(
        fileDescriptor: Int32,
        pluginName: String,
        pid: Int32,
        logger: Logger,
        rateLimit: RateLimit = RateLimit()
    ) {
        var logger = logger
        logger[metadataKey: "plugin.name"] = "\(pluginName)"
        logger[metadataKey: "plugin.pid"] = "\(pid)"
        let relayLogger = logger
        let started = DetachedThread.start { [self] in
            self.run(fileDescriptor: fileDescriptor, logger: relayLogger, rateLimit: rateLimit)
        }
        if !started {
            close(fileDescriptor)
            finished.fulfill(())
        }
    }

    /// The last lines the module wrote to stderr, oldest first (at most ``tailCapacity``).
    public var tail: [String] { shared.withLock { Array($0.tail) } }

    /// The last `count` lines, oldest first.
    public func tail(_ count: Int) -> [String] { shared.withLock { Array($0.tail.suffix(count)) } }

    /// The relay's counters.
    public var statistics: Statistics { shared.withLock { $0.statistics } }

    /// Whether end of file has been reached.
    public var isFinished: Bool { finished.value != nil }

    /// Waits until end of file, at most `timeout` seconds.
    /// - Returns: whether the end was reached in time.
    @discardableResult
    public func waitForEnd(timeout: Double) async -> Bool {
        await finished.wait(timeout: .seconds(timeout)) != nil
    }

    /// Waits at most `timeout` seconds for a line that contains `text` (lines already in the tail
    /// count); returns it, or nil.
    public func waitForLine(containing text: String, timeout: Double) async -> String? {
        let promise = OneShot<String>()
        let early: String? = shared.withLock { shared in
            if let line = shared.tail.last(where: { $0.contains(text) }) { return line }
            shared.watchers.append((predicate: { $0.contains(text) }, promise: promise))
            return nil
        }
        if let early { return early }
        return await promise.wait(timeout: .seconds(timeout))
    }

    // MARK: - The relay thread

    private struct Splitter {
        var line: [UInt8] = []
        var discarding = false
        init() { line.reserveCapacity(StderrRelay.maxLineBytes) }
    }

    private func run(fileDescriptor: Int32, logger: Logger, rateLimit: RateLimit) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var splitter = Splitter()
        var bucket = TokenBucket(rateLimit)
        var pendingSuppressed = 0
        let emit: (String, Bool) -> Void = { text, truncated in
            self.emit(text, truncated: truncated, logger: logger, bucket: &bucket, pending: &pendingSuppressed)
        }
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                break
            }
            if count == 0 { break }
            shared.withLock { $0.statistics.bytes += count }
            buffer.withUnsafeBytes { bytes in
                Self.split(UnsafeRawBufferPointer(rebasing: bytes[0..<count]), into: &splitter, emit: emit)
            }
        }
        if !splitter.line.isEmpty {
            emit(String(decoding: splitter.line, as: UTF8.self), false)
        }
        if pendingSuppressed > 0 {
            logger.warning("stderr relay suppressed \(pendingSuppressed) lines (rate limit)")
        }
        close(fileDescriptor)
        finished.fulfill(())
    }

    private static func split(
        _ chunk: UnsafeRawBufferPointer,
        into splitter: inout Splitter,
        emit: (String, Bool) -> Void
    ) {
        var start = 0
        let end = chunk.count
        while start < end {
            let newline = chunk[start..<end].firstIndex(of: 0x0A)
            let segmentEnd = newline ?? end
            if !splitter.discarding {
                let room = StderrRelay.maxLineBytes - splitter.line.count
                let take = min(room, segmentEnd - start)
                splitter.line.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<(start + take)]))
                if segmentEnd - start > take {
                    emit(String(decoding: splitter.line, as: UTF8.self), true)
                    splitter.line.removeAll(keepingCapacity: true)
                    splitter.discarding = true
                }
            }
            guard let newline else { return }
            if splitter.discarding {
                splitter.discarding = false
            } else {
                if splitter.line.last == 0x0D { splitter.line.removeLast() }
                emit(String(decoding: splitter.line, as: UTF8.self), false)
                splitter.line.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
    }

    private func emit(
        _ rawText: String,
        truncated: Bool,
        logger: Logger,
        bucket: inout TokenBucket,
        pending: inout Int
    ) {
        let (level, message) = Self.level(of: rawText)
        let text = truncated ? message + Self.truncationMarker : message
        let allowed = bucket.take(now: Monotonic.now())
        let matched: [OneShot<String>] = shared.withLock { shared in
            if shared.tail.count == Self.tailCapacity { shared.tail.removeFirst() }
            shared.tail.append(text)
            shared.statistics.lines += 1
            if truncated { shared.statistics.truncated += 1 }
            if !allowed { shared.statistics.suppressed += 1 }
            guard !shared.watchers.isEmpty else { return [] }
            var matched: [OneShot<String>] = []
            shared.watchers.removeAll { watcher in
                guard watcher.predicate(text) else { return false }
                matched.append(watcher.promise)
                return true
            }
            return matched
        }
        for promise in matched { promise.fulfill(text) }
        guard allowed else {
            pending += 1
            return
        }
        if pending > 0 {
            logger.warning("stderr relay suppressed \(pending) lines (rate limit)")
            pending = 0
        }
        logger.log(level: level, "\(text)")
    }

    /// Splits a `X! ` level prefix off a line.
    static func level(of line: String) -> (Logger.Level, String) {
        let utf8 = line.utf8
        guard utf8.count >= 3 else { return (.info, line) }
        let bytes = Array(utf8.prefix(3))
        guard bytes[1] == UInt8(ascii: "!"), bytes[2] == UInt8(ascii: " ") else { return (.info, line) }
        let level: Logger.Level
        switch bytes[0] {
        case UInt8(ascii: "E"): level = .error
        case UInt8(ascii: "W"): level = .warning
        case UInt8(ascii: "I"): level = .info
        case UInt8(ascii: "D"): level = .debug
        case UInt8(ascii: "T"): level = .trace
        default: return (.info, line)
        }
        return (level, String(line.dropFirst(3)))
    }
}

/// A token bucket: `burst` tokens, refilled at `linesPerSecond`.
private struct TokenBucket {
    let rate: Double
    let capacity: Double
    var tokens: Double
    var last: Double

    init(_ limit: StderrRelay.RateLimit) {
        rate = limit.linesPerSecond
        capacity = max(limit.burst, 1)
        tokens = capacity
        last = Monotonic.now()
    }

    mutating func take(now: Double) -> Bool {
        tokens = min(capacity, tokens + (now - last) * rate)
        last = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
