// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICERecords
import Synchronization

/// The reading side of a reaction agent: reads RIDMsgFormat records (12348 bytes each) from the
/// agent's FIFO on a thread of its own and hands each to `handler`, as the original agents'
/// `fread` loop did, without their 2-second sleeps.
///
/// The FIFO is created (mode 0600) when missing and opened read-write, so the reader never sees
/// end-of-file when act-generic closes its end, and act-generic's non-blocking open finds a
/// reader as long as the agent runs. ``stop()`` ends the thread within ``pollInterval``.
public final class RIDFifoReader: Sendable {
    /// How often the thread checks for a stop.
    public static let pollIntervalMilliseconds: Int32 = 200

    /// The FIFO.
    public let path: String
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    private let counters = Mutex<(records: Int, idle: Int)>((0, 0))

    /// Opens the FIFO and starts the thread.
    /// - Parameters:
    ///   - path: The FIFO (created with mode 0600 when missing).
    ///   - idleInterval: When set, `idle` is called after each interval without a record (batching agents flush then).
    ///   - handler: Called on the reader thread for every record.
    ///   - idle: See `idleInterval`.
    /// - Throws: ``AlertConfigError`` when the FIFO cannot be made or opened.
    public init(
        path: String, idleIntervalMilliseconds: Int32? = nil, handler: @escaping @Sendable (RIDMsgFormat) -> Void,
        idle: @escaping @Sendable () -> Void = {}
    ) throws(AlertConfigError) {
        self.path = path
        try ReactionFifo.prepare(path: path)
        let fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw AlertConfigError(.fifo, file: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        let thread = Thread { [self] in
            self.loop(fd: fd, idleInterval: idleIntervalMilliseconds, handler: handler, idle: idle)
        }
        thread.name = "mice-rid-reader"
        thread.start()
    }

    /// Records read so far.
    public var recordsRead: Int { counters.withLock { $0.records } }

    /// Ends the thread (after the record in hand) and closes the FIFO; returns when it has ended
    /// or after two seconds.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline, !finished.load(ordering: .acquiring) { usleep(1000) }
    }

    private func loop(
        fd: Int32, idleInterval: Int32?, handler: @Sendable (RIDMsgFormat) -> Void, idle: @Sendable () -> Void
    ) {
        var buffer = [UInt8](repeating: 0, count: RIDMsgFormat.size)
        var filled = 0
        var idleSince = ContinuousClock.now
        while !stopping.load(ordering: .acquiring) {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let timeout = min(Self.pollIntervalMilliseconds, idleInterval ?? Self.pollIntervalMilliseconds)
            let ready = poll(&descriptor, 1, timeout)
            if ready <= 0 {
                if let idleInterval, ContinuousClock.now - idleSince >= .milliseconds(Int(idleInterval)) {
                    idle()
                    idleSince = ContinuousClock.now
                }
                continue
            }
            let count = buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress! + filled, raw.count - filled) }
            guard count > 0 else {
                if count < 0 && errno != EAGAIN && errno != EINTR { usleep(100_000) }
                continue
            }
            filled += count
            guard filled == buffer.count else { continue }
            filled = 0
            if let record = try? RIDMsgFormat(decoding: buffer) {
                counters.withLock { $0.records += 1 }
                handler(record)
            }
            if let idleInterval, ContinuousClock.now - idleSince >= .milliseconds(Int(idleInterval)) {
                idle()
                idleSince = ContinuousClock.now
            }
        }
        close(fd)
        finished.store(true, ordering: .releasing)
    }
}
