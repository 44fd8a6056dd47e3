// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import DequeModule
import Foundation
import MICECore
import Synchronization

/// Writes records to one FIFO per reaction ID without ever blocking its caller: each FIFO has a
/// bounded queue, a background thread opens the FIFOs non-blocking (no reader: retried every
/// ``reopenInterval``) and writes whatever the reader takes; a full queue drops its oldest record
/// that is not half written, and counts it. So a slow or absent agent never stalls intake.
///
/// A record larger than `PIPE_BUF` may be written in parts; the rest follows before any other
/// record. When the reader goes away mid-record, the record is written again from its start to
/// the next reader.
public final class FifoWriter: Sendable {
    /// The counters of one FIFO.
    public struct Statistics: Hashable, Sendable {
        /// The reaction ID.
        public var reactionID: Int
        /// The FIFO.
        public var path: String
        /// Records waiting.
        public var queued: Int
        /// Records written completely.
        public var written: Int
        /// Records dropped because the queue was full.
        public var dropped: Int
        /// Whether a reader had the FIFO open at the last attempt.
        public var readerPresent: Bool

        /// As JSON.
        public var jsonObject: JSONValue {
            .object([
                "reactionID": .int(Int64(reactionID)), "path": .string(path), "queued": .int(Int64(queued)),
                "written": .int(Int64(written)), "dropped": .int(Int64(dropped)), "readerPresent": .bool(readerPresent),
            ])
        }
    }

    private struct Channel {
        var reactionID: Int
        var path: String
        var descriptor: Int32 = -1
        var queue: Deque<[UInt8]> = []
        var offset = 0
        var written = 0
        var dropped = 0
        var lastAttempt: UInt64 = 0
        var readerPresent = false

        var hasWork: Bool { !queue.isEmpty }

        /// Appends `record`; when full, the oldest record not being written goes (with none such,
        /// the new one). Returns whether a record was dropped.
        mutating func push(_ record: [UInt8], limit: Int) -> Bool {
            guard queue.count >= limit else {
                queue.append(record)
                return false
            }
            let victim = offset > 0 ? 1 : 0
            if victim < queue.count {
                queue.remove(at: victim)
                queue.append(record)
            }
            dropped += 1
            return true
        }
    }

    private struct State {
        var channels: [Channel]
        var stopping = false
        var finished = false
    }

    /// How long after a failed open (no reader) the next one is tried.
    public static let reopenInterval: UInt64 = 100_000_000
    /// The most records queued per FIFO.
    public let queueLimit: Int
    private let state: Mutex<State>
    private let wake: (read: Int32, write: Int32)
    private let onDrop: @Sendable (Statistics) -> Void

    /// Starts the writer thread for `fifos` (reaction ID and path each).
    /// - Parameters:
    ///   - fifos: The FIFOs.
    ///   - queueLimit: The most records queued per FIFO (at least 1).
    ///   - onDrop: Called (on the enqueuing thread) after each drop with the FIFO's counters.
    public init(
        fifos: [(reactionID: Int, path: String)], queueLimit: Int, onDrop: @escaping @Sendable (Statistics) -> Void
    ) {
        signal(SIGPIPE, SIG_IGN)
        self.queueLimit = max(1, queueLimit)
        self.onDrop = onDrop
        state = Mutex(State(channels: fifos.map { Channel(reactionID: $0.reactionID, path: $0.path) }))
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        wake = (fds[0], fds[1])
        let thread = Thread { [self] in self.loop() }
        thread.name = "mice-fifo-writer"
        thread.start()
    }

    /// Queues `record` for the FIFO of `reactionID`; never blocks.
    /// - Returns: false when no FIFO serves that ID; true otherwise (also when an older record was
    ///   dropped to make room).
    @discardableResult
    public func enqueue(_ record: [UInt8], reactionID: Int) -> Bool {
        let outcome: (known: Bool, dropped: Statistics?) = state.withLock { state in
            guard let index = state.channels.firstIndex(where: { $0.reactionID == reactionID }) else {
                return (false, nil)
            }
            guard state.channels[index].push(record, limit: queueLimit) else { return (true, nil) }
            return (true, Self.statistics(state.channels[index]))
        }
        guard outcome.known else { return false }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        if let dropped = outcome.dropped { onDrop(dropped) }
        return true
    }

    /// Every FIFO's counters.
    public var statistics: [Statistics] {
        state.withLock { $0.channels.map(Self.statistics) }
    }

    /// Stops the thread after giving queued records up to `grace` to be written; closes the FIFOs.
    public func stop(grace: Duration = .milliseconds(500)) {
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline,
            state.withLock({ $0.channels.contains { $0.hasWork && $0.readerPresent } })
        {
            usleep(10_000)
        }
        state.withLock { $0.stopping = true }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        let stopDeadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < stopDeadline, !state.withLock({ $0.finished }) { usleep(1000) }
    }

    private static func statistics(_ channel: Channel) -> Statistics {
        Statistics(
            reactionID: channel.reactionID, path: channel.path, queued: channel.queue.count, written: channel.written,
            dropped: channel.dropped, readerPresent: channel.readerPresent)
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    // MARK: - Thread

    private func loop() {
        var polls: [pollfd] = []
        while true {
            let stop = state.withLock { state -> Bool in
                if state.stopping { return true }
                let now = Self.now()
                for index in state.channels.indices where state.channels[index].descriptor < 0 {
                    guard state.channels[index].hasWork, now &- state.channels[index].lastAttempt >= Self.reopenInterval
                    else { continue }
                    state.channels[index].lastAttempt = now
                    let fd = open(state.channels[index].path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
                    state.channels[index].descriptor = fd
                    state.channels[index].readerPresent = fd >= 0
                }
                polls = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
                for channel in state.channels where channel.descriptor >= 0 && channel.hasWork {
                    polls.append(pollfd(fd: channel.descriptor, events: Int16(POLLOUT), revents: 0))
                }
                return false
            }
            if stop { break }
            let waiting = state.withLock { $0.channels.contains { $0.hasWork && $0.descriptor < 0 } }
            _ = poll(&polls, nfds_t(polls.count), waiting ? 50 : 1000)
            var sink = [UInt8](repeating: 0, count: 256)
            while read(wake.read, &sink, sink.count) > 0 {}
            let ready = Set(polls.dropFirst().filter { $0.revents != 0 }.map(\.fd))
            guard !ready.isEmpty else { continue }
            state.withLock { state in
                for index in state.channels.indices where ready.contains(state.channels[index].descriptor) {
                    Self.drain(&state.channels[index])
                }
            }
        }
        state.withLock { state in
            for index in state.channels.indices where state.channels[index].descriptor >= 0 {
                close(state.channels[index].descriptor)
                state.channels[index].descriptor = -1
            }
            state.finished = true
        }
        close(wake.read)
        close(wake.write)
    }

    /// Writes queued records until the FIFO is full or the queue empty.
    private static func drain(_ channel: inout Channel) {
        while let record = channel.queue.first {
            let count = record.withUnsafeBytes { buffer in
                write(channel.descriptor, buffer.baseAddress! + channel.offset, buffer.count - channel.offset)
            }
            if count > 0 {
                channel.offset += count
                if channel.offset == record.count {
                    channel.queue.removeFirst()
                    channel.offset = 0
                    channel.written += 1
                }
                continue
            }
            if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
            // EPIPE or another error: the reader is gone; the record starts again for the next one.
            close(channel.descriptor)
            channel.descriptor = -1
            channel.readerPresent = false
            channel.offset = 0
            return
        }
    }
}
