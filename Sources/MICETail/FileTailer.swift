// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Follows many log files and yields their complete lines (the DataForwarder's LogWatch).
///
/// ```swift
/// let tailer = FileTailer(files: config.files.map(TailedFile.init), positions: positions)
/// try tailer.start()
/// for await line in tailer.lines {
///     try await forward(line)          // hand it on safely first,
///     positions.update(line)           // then record its position
/// }
/// try positions.save()
/// ```
///
/// - Reading runs on one dedicated thread (never on the cooperative pool). Changes are noticed by
///   inotify on the files' folders (so files that do not exist yet are picked up when they
///   appear), with a safety sweep every ``TailConfiguration/interval``; when inotify is
///   unavailable, or ``TailConfiguration/Mode/poll`` is configured, every file is checked every
///   interval instead.
/// - Rotation by rename or delete: the old file is read to its end (and kept open for the
///   rotation grace, for writers that have not reopened yet), its final partial line is emitted
///   as a line, and the new file is read from its start. copytruncate or any truncation below the
///   read offset: reading restarts at 0.
/// - Lines are emitted only when their newline has arrived; a line longer than
///   ``TailConfiguration/maxLineLength`` is cut to it (``TailLine/isTruncated``, counted in
///   ``TailStatistics/truncatedLines``) and the rest up to its newline is skipped, never turned
///   into further lines.
/// - Positions: see ``TailPositions`` for the at-least-once contract.
/// - Back-pressure: at most ``TailConfiguration/queueCapacity`` lines wait for the consumer; then
///   the thread waits too.
///
/// ``stop()`` ends the sequence after rotated files are finished; the lines still buffered are
/// delivered first. Cancelling the consuming task ends it at once.
public final class FileTailer: Sendable {
    struct Control {
        var isStarted = false
        var isStopping = false
        // The write end of the wake-up pipe while the thread runs, else -1.
        var wakeFd: Int32 = -1
    }

    // A class so that the reader thread can share it without keeping the tailer alive.
    final class ControlBox: Sendable {
        let state = Mutex(Control())
    }

    /// The followed files.
    public let files: [TailedFile]
    /// How they are watched and read.
    public let configuration: TailConfiguration
    private let positions: TailPositions?
    private let logger: Logger
    private let queue: LineQueue
    private let controlBox = ControlBox()
    private let counters = TailCounters()

    /// - Parameters:
    ///   - files: The files to follow (paths may not exist yet).
    ///   - configuration: How to watch and read them.
    ///   - positions: Saved positions to resume from, or nil to start every file per
    ///     ``TailConfiguration/startAt``. The tailer only reads it (and records where newly
    ///     opened files start); the caller updates it per line.
    ///   - logger: Where open failures, rotations and truncations are logged.
    public init(
        files: [TailedFile], configuration: TailConfiguration = TailConfiguration(), positions: TailPositions? = nil,
        logger: Logger = Logger(label: "mice.tail")
    ) {
        self.files = files
        self.configuration = configuration
        self.positions = positions
        self.logger = logger
        queue = LineQueue(capacity: configuration.queueCapacity)
    }

    deinit { stop() }

    /// The lines, in the order they were read (per file in file order). One consumer only.
    public var lines: TailLines { TailLines(queue: queue) }

    /// Counters since the start.
    public var statistics: TailStatistics { counters.snapshot }

    /// Starts the reader thread.
    /// - Throws: ``TailError`` when the thread or its wake-up pipe cannot be created, or when
    ///   already started.
    public func start() throws {
        var fds: [Int32] = [-1, -1]
        try controlBox.state.withLock { control in
            guard !control.isStarted else { throw TailError(.alreadyStarted, path: "") }
            guard pipe(&fds) == 0 else { throw TailError(.threadStart, path: "", errno: errno, "pipe") }
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, O_NONBLOCK)
            }
            control.isStarted = true
            control.wakeFd = fds[1]
        }
        positions?.retain(paths: Set(files.map(\.path)))
        var inotify: Inotify?
        if configuration.mode == .inotify {
            inotify = Inotify()
            if inotify == nil {
                logger.warning(
                    "inotify is unavailable; polling instead",
                    metadata: ["tail.error": "\(SystemError.message(errno))"])
            }
        }
        let polling = inotify == nil
        counters.withLock { $0.isPolling = polling }
        let engine = TailEngine(
            files: files, configuration: configuration, positions: positions, statistics: counters, logger: logger,
            emit: { [queue] line in queue.push(line) })
        let readEnd = fds[0]
        let loop = TailLoop(
            engine: engine, inotify: inotify, wakeFd: readEnd, interval: configuration.interval, logger: logger)
        let started = ReaderThread.start { [controlBox, queue] in
            loop.run(isStopping: { controlBox.state.withLock { $0.isStopping } })
            controlBox.state.withLock { control in
                close(control.wakeFd)
                control.wakeFd = -1
            }
            close(readEnd)
            queue.finish()
        }
        if !started {
            controlBox.state.withLock { control in
                close(control.wakeFd)
                control.wakeFd = -1
                control.isStarted = false
            }
            close(readEnd)
            throw TailError(.threadStart, path: "", "pthread_create failed")
        }
    }

    /// Asks the reader thread to stop: rotated files are finished, then ``lines`` ends after the
    /// lines already read. Returns at once.
    public func stop() {
        controlBox.state.withLock { control in
            control.isStopping = true
            if control.wakeFd >= 0 {
                var byte: UInt8 = 1
                _ = write(control.wakeFd, &byte, 1)
            }
        }
        if !controlBox.state.withLock({ $0.isStarted }) { queue.finish() }
    }

    /// Stops at once: buffered lines are dropped (their positions were never saved, so a restart
    /// reads them again) and ``lines`` ends.
    public func cancel() {
        stop()
        queue.close()
    }
}

/// The lines of a ``FileTailer``: an async sequence that ends when the tailer stops.
public struct TailLines: AsyncSequence, Sendable {
    public typealias Element = TailLine
    public typealias Failure = Never

    let queue: LineQueue

    public struct AsyncIterator: AsyncIteratorProtocol, Sendable {
        let queue: LineQueue

        public mutating func next() async -> TailLine? { await queue.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: queue) }
}
