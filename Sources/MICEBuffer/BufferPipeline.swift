// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import MICEPluginHost
import MICEWire
import Synchronization

/// One record received by a BufferDaemon listener, with what to do once it is safe.
public struct InboundRecord: Sendable {
    /// The encoded record as it arrived (e.g. a CipherMsg).
    public var bytes: [UInt8]
    /// Called exactly once: `true` when the postprocessing module has stored the record (or the
    /// decoder rejected it for good, which no resend can change), `false` when it was dropped by
    /// the overflow policy or the pipeline stopped before storing it.
    public var completion: @Sendable (Bool) -> Void

    public init(bytes: [UInt8], completion: @escaping @Sendable (Bool) -> Void = { _ in }) {
        self.bytes = bytes
        self.completion = completion
    }
}

/// One BufferDaemon entry, as the seed guide describes it: decoding module → bounded ring →
/// postprocessing module.
///
/// Received records are decoded in batches by the decoding module and queued in the ring.
/// A drain loop hands the ring's records to the postprocessing module when a batch is full
/// **or** when the interval has passed, whichever comes first (the original drained only on its
/// timer, holding the ring's lock while the module ran). A record is completed (and, on acked
/// links, acknowledged to its sender) only after the postprocessing module returned for it; a
/// record the module failed on is retried with backoff, so a store that is down pushes back
/// instead of losing records.
public final class BufferPipeline: Sendable {
    /// Settings of one entry.
    public struct Configuration: Sendable, Hashable {
        /// Entry name for the log.
        public var name: String
        /// Ring capacity in records (RBSIZE).
        public var capacity: Int
        /// Records per postprocessing batch.
        public var batchSize: Int
        /// Longest time a record waits in the ring before a (partial) batch goes out (TIMEINV).
        public var flushInterval: Duration
        /// What a full ring does.
        public var overflow: OverflowPolicy
        /// Longest delay between retries of a failed postprocessing batch.
        public var maxRetryDelay: Duration

        public init(
            name: String,
            capacity: Int = 10_000,
            batchSize: Int = 1000,
            flushInterval: Duration = .seconds(1),
            overflow: OverflowPolicy = .block,
            maxRetryDelay: Duration = .seconds(5)
        ) {
            self.name = name
            self.capacity = capacity
            self.batchSize = batchSize
            self.flushInterval = flushInterval
            self.overflow = overflow
            self.maxRetryDelay = maxRetryDelay
        }
    }

    /// Counters, for status output and tests.
    public struct Statistics: Sendable, Hashable {
        /// Records handed to ``submit(_:)``.
        public var received = 0
        /// Records the decoding module refused (wrong key, bad checksum, plaintext refused).
        public var rejected = 0
        /// Records dropped by the overflow policy.
        public var dropped = 0
        /// Records the postprocessing module stored.
        public var stored = 0
        /// Postprocessing failures (each retried).
        public var failures = 0
        /// Postprocessing batches sent.
        public var batches = 0
    }

    private struct Decoded: Sendable {
        var bytes: [UInt8]
        var completion: @Sendable (Bool) -> Void
    }

    public let configuration: Configuration
    private let decoder: PluginSupervisor?
    private let postprocessor: PluginSupervisor
    private let ring: BoundedQueue<Decoded>
    private let counters = Mutex(Statistics())
    private let logger: Logger

    /// - Parameters:
    ///   - decoder: the decoding module; nil passes records through unchanged.
    ///   - postprocessor: the postprocessing module.
    public init(
        configuration: Configuration,
        decoder: PluginSupervisor?,
        postprocessor: PluginSupervisor,
        logger: Logger
    ) {
        self.configuration = configuration
        self.decoder = decoder
        self.postprocessor = postprocessor
        self.ring = BoundedQueue(capacity: configuration.capacity, policy: configuration.overflow)
        var logger = logger
        logger[metadataKey: "entry"] = "\(configuration.name)"
        self.logger = logger
    }

    /// A snapshot of the counters.
    public var statistics: Statistics {
        var snapshot = counters.withLock { $0 }
        snapshot.dropped = ring.dropped
        return snapshot
    }

    /// Records waiting in the ring.
    public var queued: Int { ring.count }

    /// Decodes `records` and queues them; with the `block` policy this waits for room, which is
    /// how a slow store pushes back on the senders.
    public func submit(_ records: [InboundRecord]) async throws {
        guard !records.isEmpty else { return }
        counters.withLock { $0.received += records.count }
        var decoded: [Decoded] = []
        decoded.reserveCapacity(records.count)
        if let decoder {
            let results = try await decoder.callResults(batch: records.map { ModuleCall(data: $0.bytes) })
            var rejected = 0
            for (record, result) in zip(records, results) {
                switch result {
                case .success(let reply) where reply.returnValue == 0 && !reply.data.isEmpty:
                    decoded.append(Decoded(bytes: reply.data, completion: record.completion))
                case .success, .failure:
                    // Refused for good: a resend would be refused again, so it is completed.
                    rejected += 1
                    record.completion(true)
                }
            }
            if rejected > 0 { counters.withLock { $0.rejected += rejected } }
        } else {
            decoded = records.map { Decoded(bytes: $0.bytes, completion: $0.completion) }
        }
        let dropped = await ring.push(decoded)
        if !dropped.isEmpty {
            logger.warning("ring full: \(dropped.count) records dropped (policy \(configuration.overflow.rawValue))")
            for record in dropped { record.completion(false) }
        }
    }

    /// Drains the ring into the postprocessing module until ``stop()`` and the ring is empty.
    public func run() async {
        var delay = Duration.milliseconds(50)
        var pending: [Decoded] = []
        while true {
            if pending.isEmpty {
                pending = await ring.take(
                    maximum: configuration.batchSize,
                    minimum: configuration.batchSize,
                    timeout: configuration.flushInterval
                )
                if pending.isEmpty {
                    if isStopped { return }
                    continue
                }
            }
            counters.withLock { $0.batches += 1 }
            do {
                // Only the return values matter here: no REPLY data is copied. A call answered
                // with ERROR counts as failed (Int32.min).
                let values = try await postprocessor.callReturnValues(
                    payloads: pending.map(\.bytes), errorValue: Int32.min)
                var failed: [Decoded] = []
                for (record, value) in zip(pending, values) {
                    if value >= 0 {
                        record.completion(true)
                    } else {
                        failed.append(record)
                    }
                }
                counters.withLock { $0.stored += pending.count - failed.count }
                pending = failed
                if failed.isEmpty {
                    delay = .milliseconds(50)
                    continue
                }
                counters.withLock { $0.failures += failed.count }
                logger.error("postprocessing failed for \(failed.count) records; retrying in \(delay)")
            } catch {
                counters.withLock { $0.failures += pending.count }
                logger.error("postprocessing unavailable (\(error)); retrying \(pending.count) records in \(delay)")
                if isStopped, [.failed, .stopped].contains(postprocessor.status.state) {
                    for record in pending { record.completion(false) }
                    return
                }
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, configuration.maxRetryDelay)
        }
    }

    private let stopped = Atomic<Bool>(false)
    private var isStopped: Bool { stopped.load(ordering: .acquiring) }

    /// Sends what is queued to the postprocessing module at once from now on, without waiting for
    /// a full batch or the interval (the first step of a graceful stop: records still arriving
    /// are stored, and acknowledged, promptly).
    public func flushPromptly() {
        ring.hurry()
    }

    /// Stops taking records; ``run()`` returns once the ring is drained.
    public func stop() {
        stopped.store(true, ordering: .releasing)
        ring.close()
    }
}
