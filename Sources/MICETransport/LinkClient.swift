// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import MICETLS
import MICEWire
import NIOCore
import NIOPosix
import Synchronization

/// The sending end of a link: what the DataForwarder (spec §7.1) uses for each BufferDaemon.
///
/// Every record goes into a ``DiskSpool`` first ( ``send(_:)`` returns once it is there), and
/// ``run()`` streams the spool to the receiver: connect, (acked mode) LINK_HELLO / LINK_READY,
/// then RECORD frames or, in legacy mode, the bare records. The connection is re-established
/// forever with ``ReconnectBackoff`` (exponential, jitter, cap, reset after success); while the
/// receiver is down, records pile up in the spool and are sent once it is back.
///
/// - Acked mode: a record leaves the spool when the receiver acknowledged it (cumulative ACK).
///   After a reconnect or a restart of the sender, every unacknowledged record is resent;
///   LINK_READY tells the sender what the receiver already holds, so acknowledged records are never
///   resent, and the receiver skips the rest of the duplicates by sequence number.
/// - Legacy mode: original receivers send nothing back, so a record counts as delivered once it
///   was written to the socket. Records in the socket buffers when the receiver crashes are lost,
///   as with the original.
///
/// Usage, as the DataForwarder does it:
/// ```swift
/// let client = try await LinkClient(configuration: configuration, logger: logger)
/// async let sending: Void = client.run()      // until the task is cancelled
/// try await client.send(cipherMessageBytes)    // returns once spooled
/// ```
public final class LinkClient: Sendable {
    /// A sender's settings.
    public struct Configuration: Sendable {
        /// The link's name, e.g. `rawlogdb` (acked mode: must match the receiver's).
        public var link: String
        /// Legacy (fixed-size records, no header) or acked.
        public var mode: LinkMode
        /// The size of every record, e.g. 1712 or 6632.
        public var recordSize: Int
        /// The receiver.
        public var endpoint: LinkEndpoint
        /// The spool (directory, size limit, sync and full policy).
        public var spool: DiskSpool.Configuration
        /// Delays between connection attempts.
        public var backoff: ReconnectBackoff
        /// Records per socket write.
        public var batchRecords: Int
        /// A connection attempt fails after this long.
        public var connectTimeout: Duration
        /// Acked mode: the receiver must answer LINK_HELLO within this time (the TLS handshake included).
        public var handshakeTimeout: Duration
        /// Mutual TLS to a TCP receiver (nil: plaintext): this host's certificate goes to the
        /// receiver, whose certificate must chain to the project CA, carry the host or address
        /// connected to (or ``TLSSettings/serverName``) and not be revoked. Nothing is written before
        /// the handshake completed. Ignored for a Unix socket.
        public var tls: TLSIdentity?

        public init(
            link: String,
            mode: LinkMode,
            recordSize: Int,
            endpoint: LinkEndpoint,
            spool: DiskSpool.Configuration,
            backoff: ReconnectBackoff = ReconnectBackoff(),
            batchRecords: Int = 128,
            connectTimeout: Duration = .seconds(10),
            handshakeTimeout: Duration = .seconds(10),
            tls: TLSIdentity? = nil
        ) {
            self.link = link
            self.mode = mode
            self.recordSize = recordSize
            self.endpoint = endpoint
            self.spool = spool
            self.backoff = backoff
            self.batchRecords = batchRecords
            self.connectTimeout = connectTimeout
            self.handshakeTimeout = handshakeTimeout
            self.tls = tls
        }
    }

    /// What ``send(_:)`` did with a record.
    public enum SendOutcome: Hashable, Sendable {
        /// Stored in the spool under this sequence number; it will be delivered.
        case spooled(sequence: UInt64)
        /// The spool was full and its policy is ``DiskSpool/FullPolicy/dropNewest``.
        case dropped
    }

    /// Counters of a sender.
    public struct Statistics: Hashable, Sendable {
        /// Records stored in the spool by ``send(_:)``.
        public var recordsSpooled = 0
        /// Records dropped because the spool was full (policy ``DiskSpool/FullPolicy/dropNewest``).
        public var recordsDropped = 0
        /// Records written to a socket (resends included).
        public var recordsWritten = 0
        /// Successful connections (acked mode: handshake completed).
        public var connections = 0
        /// Failed connection attempts and connections that ended in an error.
        public var connectionFailures = 0
        /// ACK frames received.
        public var acksReceived = 0
        /// Records in the spool that are not yet acknowledged (legacy: not yet written).
        public var pendingRecords: UInt64 = 0
        /// The highest acknowledged sequence number.
        public var acknowledgedSequence: UInt64 = 0
        /// Size of the spool files.
        public var spoolBytes = 0
        /// Records skipped because they could not be sent on this link (wrong size, failed check).
        public var recordsUnsendable = 0
        /// Connections whose TLS handshake failed (receiver's certificate refused, or ours refused).
        public var tlsFailures = 0
    }

    /// The settings in force.
    public let configuration: Configuration
    private let spool: DiskSpool
    private let group: any EventLoopGroup
    private let threadPool: NIOThreadPool
    private let logger: Logger
    private let stats = Mutex(Statistics())
    /// New records in the spool.
    private let spooled = ChangeSignal()
    /// Records left the spool (space freed, acknowledgements).
    private let released = ChangeSignal()

    /// Opens the spool (on `threadPool`: it checks every segment) and prepares the sender; call
    /// ``run()`` to connect.
    /// - Throws: ``LinkError`` when the spool cannot be opened (``LinkError/Code/spoolUnavailable``).
    public init(
        configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        threadPool: NIOThreadPool = .singleton,
        logger: Logger = Logger(label: "mice.link.client")
    ) async throws {
        guard configuration.recordSize > 0, configuration.recordSize <= LinkProtocol.maxRecordBytes else {
            throw LinkError(
                .recordSize, "record size \(configuration.recordSize) is not 1–\(LinkProtocol.maxRecordBytes)")
        }
        var logger = logger
        logger[metadataKey: "link.name"] = "\(configuration.link)"
        logger[metadataKey: "link.endpoint"] = "\(configuration.endpoint)"
        let spoolConfiguration = configuration.spool
        let spoolLogger = logger
        self.spool = try await threadPool.runIfActive {
            try DiskSpool(configuration: spoolConfiguration, logger: spoolLogger)
        }
        self.configuration = configuration
        self.group = group
        self.threadPool = threadPool
        self.logger = logger
    }

    /// The sender identity the receiver deduplicates by (the spool's `sender-id`).
    public var senderID: String { spool.senderID }

    /// Counters.
    public var statistics: Statistics {
        var snapshot = stats.withLock { $0 }
        let spoolStatistics = spool.statistics
        snapshot.pendingRecords = spoolStatistics.pendingRecords
        snapshot.acknowledgedSequence = spoolStatistics.acknowledgedSequence
        snapshot.spoolBytes = spoolStatistics.byteCount
        return snapshot
    }

    /// The spool's own counters (torn tails truncated at open, corrupt entries skipped).
    public var spoolStatistics: DiskSpool.Statistics { spool.statistics }

    // MARK: - Sending

    /// Stores one record for delivery; returns once it is in the spool (or dropped, by policy).
    ///
    /// With the spool full and policy ``DiskSpool/FullPolicy/block``, waits until acknowledgements
    /// free space: this is how a slow or absent receiver pushes back on the log source.
    /// - Throws: ``LinkError`` (``LinkError/Code/recordSize`` for a record of the wrong size,
    ///   ``LinkError/Code/spoolIO``), `CancellationError` while waiting for space.
    @discardableResult
    public func send(_ record: [UInt8]) async throws -> SendOutcome {
        let accepted = try await send(contentsOf: [record])
        return accepted.isEmpty ? .dropped : .spooled(sequence: accepted[0])
    }

    /// Stores a batch of records with one spool write and (policy ``DiskSpool/SyncPolicy/perBatch``) one sync.
    /// - Returns: the sequence numbers of the records stored, in order; records dropped by a full spool
    ///   (policy ``DiskSpool/FullPolicy/dropNewest``) have none.
    @discardableResult
    public func send(contentsOf records: [[UInt8]]) async throws -> [UInt64] {
        try await send(contentsOf: records, checkpoint: nil)
    }

    /// The latest checkpoint stored with ``send(contentsOf:checkpoint:)``, also by an earlier process.
    public var checkpoint: [UInt8]? { spool.checkpoint }

    /// Stores a batch as ``send(contentsOf:)`` does and `checkpoint` atomically with it (see
    /// ``DiskSpool/append(_:checkpoint:)``): after a crash, the spool's checkpoint and records agree.
    /// With the spool full and policy ``DiskSpool/FullPolicy/dropNewest``, the checkpoint is stored
    /// with the records that fitted (the dropped ones are counted).
    @discardableResult
    public func send(contentsOf records: [[UInt8]], checkpoint: [UInt8]?) async throws -> [UInt64] {
        for record in records where record.count != configuration.recordSize {
            throw LinkError(
                .recordSize,
                "record of \(record.count) bytes on link \(configuration.link) (record size \(configuration.recordSize))"
            )
        }
        if records.isEmpty {
            // A batch whose lines were all filtered out still moves the checkpoint.
            if let checkpoint {
                let spool = self.spool
                _ = try await threadPool.runIfActive { try spool.append([[UInt8]](), checkpoint: checkpoint) }
            }
            return []
        }
        var sequences: [UInt64] = []
        sequences.reserveCapacity(records.count)
        var rest = records[...]
        while !rest.isEmpty {
            let generation = released.generation
            let batch = rest
            let spool = self.spool
            let result = try await threadPool.runIfActive { try spool.append(batch, checkpoint: checkpoint) }
            if result.accepted > 0 {
                let first = result.lastSequence - UInt64(result.accepted) + 1
                sequences.append(contentsOf: first...result.lastSequence)
                stats.withLock { $0.recordsSpooled += result.accepted }
                rest = rest.dropFirst(result.accepted)
                spooled.notify()
                continue
            }
            switch configuration.spool.whenFull {
            case .dropNewest:
                let dropped = rest.count
                let total = stats.withLock { stats in
                    stats.recordsDropped += dropped
                    return stats.recordsDropped
                }
                if total == dropped || total / 1000 != (total - dropped) / 1000 {
                    logger.error(
                        "spool full: records dropped", metadata: ["link.dropped_total": "\(total)"])
                }
                if let checkpoint {
                    try await threadPool.runIfActive { _ = try spool.append([], checkpoint: checkpoint) }
                }
                return sequences
            case .block:
                await released.wait(after: generation)
                try Task.checkCancellation()
            }
        }
        return sequences
    }

    /// Waits until every record spooled so far is acknowledged (legacy: written).
    /// - Throws: ``LinkError`` with ``LinkError/Code/shutdownTimeout`` after `timeout`.
    public func waitUntilDelivered(timeout: Duration) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let target = spool.lastSequence
        while true {
            let generation = released.generation
            if spool.acknowledgedSequence >= target { return }
            let now = ContinuousClock.now
            guard now < deadline else {
                throw LinkError(
                    .shutdownTimeout,
                    "\(target - spool.acknowledgedSequence) records still unacknowledged on link \(configuration.link)")
            }
            _ = await released.wait(after: generation, timeout: deadline - now)
            try Task.checkCancellation()
        }
    }

    /// Syncs and closes the spool. Call after ``run()`` returned; later sends fail.
    public func close() {
        spool.close()
    }

    // MARK: - Connection loop

    /// Connects and streams the spool to the receiver, reconnecting forever, until the task is cancelled.
    ///
    /// Returns normally on cancellation; unacknowledged records stay in the spool for the next run.
    public func run() async {
        var backoff = configuration.backoff
        var failures = 0
        while !Task.isCancelled {
            let started = ContinuousClock.now
            var outcome = SessionOutcome()
            do {
                let (channel, handshake) = try await connect()
                outcome = await session(channel, tlsHandshake: handshake)
            } catch {
                outcome.error = error
            }
            if Task.isCancelled { break }
            if let error = outcome.error {
                stats.withLock { $0.connectionFailures += 1 }
                failures += 1
                // First failure loud, then one line per 20 attempts so an absent receiver does not flood the log.
                if failures == 1 || failures % 20 == 0 {
                    logger.warning(
                        "link down, records are spooled: \(error)",
                        metadata: [
                            "link.attempts": "\(failures)", "link.pending": "\(spool.statistics.pendingRecords)",
                        ])
                }
            }
            let lived = ContinuousClock.now - started
            if outcome.isEstablished && (outcome.madeProgress || lived >= backoff.resetAfter) {
                backoff.reset()
                failures = outcome.error == nil ? 0 : 1
            }
            let delay = backoff.nextDelay()
            do {
                try await Task.sleep(for: delay)
            } catch {
                break
            }
        }
    }

    private struct SessionOutcome {
        var isEstablished = false
        var madeProgress = false
        var error: (any Error)?
    }

    private typealias Connection = (channel: NIOAsyncChannel<Frame, ByteBuffer>, tlsHandshake: EventLoopFuture<Void>?)

    private func connect() async throws -> Connection {
        let mode = configuration.mode
        let tls: (identity: TLSIdentity, host: String)? =
            switch configuration.endpoint {
            case .tcp(let host, _): configuration.tls.map { ($0, host) }
            case .unix: nil
            }
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.nanoseconds(configuration.connectTimeout.nanoseconds))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(.writeBufferWaterMark, value: .init(low: 256 << 10, high: 1 << 20))
        let initializer: @Sendable (any Channel) -> EventLoopFuture<Connection> = { channel in
            channel.eventLoop.makeCompletedFuture {
                var handshake: EventLoopFuture<Void>?
                if let tls {
                    handshake = try tls.identity.addHandler(
                        to: channel.pipeline.syncOperations, role: .client(peerHost: tls.host),
                        eventLoop: channel.eventLoop)
                }
                switch mode {
                case .acked:
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(FrameDecoder.NIODecoder(maxFrameBytes: LinkProtocol.maxControlBytes)))
                case .legacy:
                    try channel.pipeline.syncOperations.addHandler(DiscardInboundHandler())
                }
                let wrapped = try NIOAsyncChannel<Frame, ByteBuffer>(
                    wrappingChannelSynchronously: channel,
                    configuration: .init(inboundType: Frame.self, outboundType: ByteBuffer.self))
                return (wrapped, handshake)
            }
        }
        switch configuration.endpoint {
        case .tcp(let host, let port):
            return try await bootstrap.connect(host: host, port: port, channelInitializer: initializer)
        case .unix(let path):
            return try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: initializer)
        }
    }

    /// One connection, from handshake to its end.
    private func session(
        _ connection: NIOAsyncChannel<Frame, ByteBuffer>, tlsHandshake: EventLoopFuture<Void>?
    ) async -> SessionOutcome {
        var outcome = SessionOutcome()
        let channel = connection.channel
        let timeout = channel.eventLoop.scheduleTask(in: .nanoseconds(configuration.handshakeTimeout.nanoseconds)) {
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        let progress = Mutex(false)
        let sent = SentCursor(0)
        do {
            try await connection.executeThenClose { inbound, outbound in
                var iterator = inbound.makeAsyncIterator()
                if let tlsHandshake {
                    do {
                        try await tlsHandshake.get()
                    } catch {
                        stats.withLock { $0.tlsFailures += 1 }
                        throw error
                    }
                }
                let cursor: UInt64
                switch configuration.mode {
                case .acked:
                    cursor = try await handshake(&iterator, outbound: outbound, allocator: channel.allocator)
                case .legacy:
                    cursor = spool.acknowledgedSequence
                }
                timeout.cancel()
                outcome.isEstablished = true
                stats.withLock { $0.connections += 1 }
                logger.info("link up", metadata: ["link.resend_from": "\(cursor + 1)"])
                sent.value = cursor
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            try await self.writeRecords(
                                after: cursor, outbound: outbound, allocator: channel.allocator, sent: sent)
                        } catch {
                            // End the reading side too: the connection is done.
                            channel.close(promise: nil)
                            throw error
                        }
                    }
                    while let frame = try await iterator.next() {
                        switch frame.type {
                        case .ack:
                            let upTo = min(frame.id, sent.value)
                            let spool = self.spool
                            try await threadPool.runIfActive { _ = try spool.acknowledge(through: upTo) }
                            stats.withLock { $0.acksReceived += 1 }
                            logger.trace("ACK received", metadata: ["link.ack": "\(frame.id)", "link.sent": "\(upTo)"])
                            progress.withLock { $0 = true }
                            released.notify()
                        case .error:
                            let message = try? ControlCoding.decode(
                                ErrorMessage.self, from: frame.payload, frame: .error)
                            throw LinkError(
                                .protocolViolation, "receiver reported \(message?.description ?? "an unreadable error")"
                            )
                        default:
                            continue
                        }
                    }
                    group.cancelAll()
                    try await group.waitForAll()
                }
            }
        } catch is CancellationError {
        } catch {
            outcome.error = error
        }
        outcome.madeProgress = progress.withLock { $0 } || (configuration.mode == .legacy && sent.hasWritten)
        return outcome
    }

    /// LINK_HELLO → LINK_READY; forgets what the receiver already holds; returns where to resend from.
    private func handshake(
        _ iterator: inout NIOAsyncChannelInboundStream<Frame>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        allocator: ByteBufferAllocator
    ) async throws -> UInt64 {
        var buffer = allocator.buffer(capacity: 256)
        let hello = LinkHelloMessage(
            link: configuration.link, sender: spool.senderID, recordSize: configuration.recordSize)
        buffer.writeFrame(type: .linkHello, payload: ControlCoding.encode(hello))
        try await outbound.write(buffer)
        guard let frame = try await iterator.next() else {
            throw LinkError(.handshakeFailed, "the receiver closed the connection without answering LINK_HELLO")
        }
        switch frame.type {
        case .linkReady:
            let ready = try ControlCoding.decode(LinkReadyMessage.self, from: frame.payload, frame: .linkReady)
            guard LinkProtocol.supportedVersions.contains(ready.version) else {
                throw LinkError(.handshakeFailed, "the receiver chose protocol version \(ready.version)")
            }
            let last = spool.lastSequence
            if ready.durable > last {
                logger.warning(
                    "receiver reports more records durable than this sender ever spooled; ignoring the excess",
                    metadata: ["link.durable": "\(ready.durable)", "link.last_sequence": "\(last)"])
            }
            let spool = self.spool
            let through = min(ready.durable, last)
            let acked = try await threadPool.runIfActive { try spool.acknowledge(through: through) }
            released.notify()
            return acked
        case .error:
            let message = try? ControlCoding.decode(ErrorMessage.self, from: frame.payload, frame: .error)
            throw LinkError(
                .handshakeFailed, "receiver refused the link: \(message?.description ?? "unreadable ERROR")")
        default:
            throw LinkError(.handshakeFailed, "expected LINK_READY, got \(frame.type)")
        }
    }

    /// Streams spooled records after `cursor`, waiting for new ones; legacy mode releases them once written.
    private func writeRecords(
        after start: UInt64,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        allocator: ByteBufferAllocator,
        sent: SentCursor
    ) async throws {
        var cursor = start
        let spool = self.spool
        let batchRecords = max(configuration.batchRecords, 1)
        let recordSize = configuration.recordSize
        let mode = configuration.mode
        while true {
            try Task.checkCancellation()
            let generation = spooled.generation
            let from = cursor
            let batch = try await threadPool.runIfActive {
                try spool.read(after: from, maxRecords: batchRecords, maxBytes: batchRecords * (recordSize + 16))
            }
            guard let last = batch.last else {
                await spooled.wait(after: generation)
                continue
            }
            var buffer = allocator.buffer(capacity: batch.count * (recordSize + FrameHeader.size))
            var unsendable = 0
            for record in batch {
                guard record.bytes.count == recordSize else {
                    unsendable += 1
                    continue
                }
                switch mode {
                case .acked: buffer.writeFrame(type: .record, id: record.sequence, payload: record.bytes)
                case .legacy: buffer.writeBytes(record.bytes)
                }
            }
            if unsendable > 0 {
                stats.withLock { $0.recordsUnsendable += unsendable }
                logger.error(
                    "spooled records of another size than the link's skipped",
                    metadata: ["link.records": "\(unsendable)", "link.record_size": "\(recordSize)"])
            }
            // Raise the cursor before writing: the receiver's ACK for these records can be read
            // before this task resumes after the write, and must not be clamped below them.
            cursor = last.sequence
            sent.value = cursor
            sent.hasWritten = true
            if buffer.readableBytes > 0 { try await outbound.write(buffer) }
            stats.withLock { $0.recordsWritten += batch.count - unsendable }
            if mode == .legacy {
                try await threadPool.runIfActive { _ = try spool.acknowledge(through: last.sequence) }
                released.notify()
            }
        }
    }
}

/// The highest sequence written on the current connection (an ACK never releases more).
private final class SentCursor: Sendable {
    private let state: Mutex<(value: UInt64, hasWritten: Bool)>
    init(_ value: UInt64) { state = Mutex((value, false)) }
    var value: UInt64 {
        get { state.withLock { $0.value } }
        set { state.withLock { $0.value = newValue } }
    }
    /// Whether any record was written on this connection.
    var hasWritten: Bool {
        get { state.withLock { $0.hasWritten } }
        set { state.withLock { $0.hasWritten = newValue } }
    }
}

/// Legacy receivers send nothing; whatever arrives is dropped, and the end of the stream still shows.
private final class DiscardInboundHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Frame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
