// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import MICETLS
import MICEWire
import NIOCore
import NIOPosix
import Synchronization

/// The receiving end of a link: the BufferDaemon's listener (spec §7.2).
///
/// Listens on TCP (host and port; port 0 picks a free one, see ``port``) or on a Unix stream socket
/// (mode 0600 or 0660, never world-writable, whatever the umask; a stale socket file is removed
/// first). Serves many senders at once, each connection in its own child task.
///
/// Usage, as the BufferDaemon does it:
/// ```swift
/// let server = try await LinkServer.bind(configuration: configuration, logger: logger)
/// try await server.run { record in
///     await pipeline.decodeAndStore(record.bytes)   // decoder → ring → postprocessing
///     record.acknowledge()                           // durable now: the sender may forget it
/// }
/// ```
///
/// Back pressure: each connection buffers at most ``Configuration/maxBufferedRecords`` decoded
/// records; while `onRecord` is busy, the server stops reading that socket, the kernel buffers
/// fill, and the sender's writes wait. ``shutdown()`` stops accepting, lets every connection hand
/// out what it already read, waits (up to ``Configuration/drainTimeout``) for those records to be
/// acknowledged, sends the last ACK and closes.
///
/// In acked mode the server deduplicates per sender (``LinkRecord/sender``): a record whose sequence
/// number was already handed out in this process, or is at or below what
/// ``Configuration/durableSequence`` reports for the sender, is skipped. Persisting that watermark
/// is the application's job: store the highest ``LinkRecord/sequence`` per sender with the data.
public final class LinkServer: Sendable {
    /// A listener's settings.
    public struct Configuration: Sendable {
        /// The link's name, e.g. `rawlogdb`; acked senders must name the same link in LINK_HELLO.
        /// `*` accepts whatever link a sender names (its LINK_READY then echoes the sender's name).
        public var link: String
        /// Legacy (fixed-size records, no header) or acked.
        public var mode: LinkMode
        /// The size of every record, e.g. 1712 or 6632 (what the decoding module's `init` returned).
        public var recordSize: Int
        /// Where to listen.
        public var endpoint: LinkEndpoint
        /// Mode of a Unix socket file: 0o600 (owner only) or 0o660 (owner and group). Other bits are cleared.
        public var socketFileMode: UInt16
        /// Records read ahead per connection while the consumer is busy (back-pressure high watermark).
        public var maxBufferedRecords: Int
        /// A sender must complete LINK_HELLO within this time.
        public var handshakeTimeout: Duration
        /// On shutdown or disconnect, how long to wait for records already handed out to be acknowledged.
        public var drainTimeout: Duration
        /// The highest durable sequence number the application holds for a sender (0 if none), asked the
        /// first time a sender connects in this process. Defaults to 0: deduplication then only covers
        /// this process's lifetime.
        public var durableSequence: @Sendable (_ sender: String) async throws -> UInt64
        /// Mutual TLS on a TCP listener (nil: plaintext). Every sender must present a certificate of
        /// the project CA that is not revoked; records inside are unchanged. Ignored for a Unix socket,
        /// which stays local (its file mode is the access control).
        public var tls: TLSIdentity?

        public init(
            link: String,
            mode: LinkMode,
            recordSize: Int,
            endpoint: LinkEndpoint,
            socketFileMode: UInt16 = 0o600,
            maxBufferedRecords: Int = 256,
            handshakeTimeout: Duration = .seconds(10),
            drainTimeout: Duration = .seconds(5),
            durableSequence: @escaping @Sendable (_ sender: String) async throws -> UInt64 = { _ in 0 },
            tls: TLSIdentity? = nil
        ) {
            self.link = link
            self.mode = mode
            self.recordSize = recordSize
            self.endpoint = endpoint
            self.socketFileMode = socketFileMode
            self.maxBufferedRecords = maxBufferedRecords
            self.handshakeTimeout = handshakeTimeout
            self.drainTimeout = drainTimeout
            self.durableSequence = durableSequence
            self.tls = tls
        }
    }

    /// Counters of a listener.
    public struct Statistics: Hashable, Sendable {
        /// Connections accepted so far.
        public var connectionsAccepted = 0
        /// Connections open now.
        public var connectionsOpen = 0
        /// Records handed to `onRecord`.
        public var recordsDelivered = 0
        /// Acked mode: records skipped as already handed out or durable (resends after a reconnect).
        public var duplicatesSkipped = 0
        /// Legacy mode: partial records dropped at the end of a connection.
        public var shortRecordsDropped = 0
        /// ACK frames sent.
        public var acksSent = 0
        /// Connections closed for a protocol violation or a refused handshake.
        public var protocolErrors = 0
        /// Frames of unknown type ignored.
        public var unknownFrames = 0
        /// Connections refused by TLS: no certificate, another CA, a revoked certificate, not TLS at all.
        public var tlsRefused = 0
    }

    /// The settings in force.
    public let configuration: Configuration
    private let serverChannel: NIOAsyncChannel<NIOAsyncChannel<[Frame], ByteBuffer>, Never>
    private let logger: Logger
    private let stats = Mutex(Statistics())
    private let shortRecords: FixedRecordDecoder.Counters
    private let ledgers = Mutex<[String: SenderLedger]>([:])
    private let connections = Mutex<(next: Int, open: [Int: any Channel])>((0, [:]))
    private let shuttingDown = Mutex(false)
    private let shutdownSignal = ChangeSignal()
    private let socketPath: String?

    private init(
        configuration: Configuration,
        serverChannel: NIOAsyncChannel<NIOAsyncChannel<[Frame], ByteBuffer>, Never>,
        socketPath: String?,
        shortRecords: FixedRecordDecoder.Counters,
        logger: Logger
    ) {
        self.shortRecords = shortRecords
        self.configuration = configuration
        self.serverChannel = serverChannel
        self.socketPath = socketPath
        self.logger = logger
    }

    /// Binds the listener; connections are accepted (and wait) until ``run(onRecord:)`` serves them.
    /// - Throws: ``LinkError`` (``LinkError/Code/bindFailed``, ``LinkError/Code/badEndpoint``) or NIO's
    ///   `IOError` when the address is in use.
    public static func bind(
        configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "mice.link.server")
    ) async throws -> LinkServer {
        guard configuration.recordSize > 0, configuration.recordSize <= LinkProtocol.maxRecordBytes else {
            throw LinkError(
                .recordSize, "record size \(configuration.recordSize) is not 1–\(LinkProtocol.maxRecordBytes)")
        }
        var logger = logger
        logger[metadataKey: "link.name"] = "\(configuration.link)"
        logger[metadataKey: "link.endpoint"] = "\(configuration.endpoint)"
        let mode = configuration.mode
        let recordSize = configuration.recordSize
        let high = max(configuration.maxBufferedRecords, 2)
        let counters = FixedRecordDecoder.Counters()
        let tlsLogger = logger
        let tls: TLSIdentity? =
            switch configuration.endpoint {
            case .tcp: configuration.tls
            case .unix: nil
            }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            // The end of the input must not close the output: after a sender's FIN, and after our own
            // shutdown of the read side (graceful shutdown), the last ACK still has to go out.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
        // Back-pressure counts batches (one per socket read, up to ~38 records of 1.7 KB each).
        let highBatches = max(high / 16, 2)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<[Frame], ByteBuffer>> = {
            channel in
            channel.eventLoop.makeCompletedFuture {
                if let tls {
                    try tls.addHandler(
                        to: channel.pipeline.syncOperations, role: .server, eventLoop: channel.eventLoop,
                        logger: tlsLogger)
                }
                switch mode {
                case .legacy:
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(FixedRecordDecoder(recordSize: recordSize, counters: counters)))
                case .acked:
                    let limit = max(recordSize, LinkProtocol.maxControlBytes)
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(FrameDecoder.NIODecoder(maxFrameBytes: limit)))
                }
                try channel.pipeline.syncOperations.addHandler(FrameBatcher())
                return try NIOAsyncChannel<[Frame], ByteBuffer>(
                    wrappingChannelSynchronously: channel,
                    configuration: .init(
                        backPressureStrategy: .init(lowWatermark: highBatches / 2, highWatermark: highBatches),
                        isOutboundHalfClosureEnabled: false,
                        inboundType: [Frame].self,
                        outboundType: ByteBuffer.self))
            }
        }
        let serverChannel: NIOAsyncChannel<NIOAsyncChannel<[Frame], ByteBuffer>, Never>
        var socketPath: String?
        switch configuration.endpoint {
        case .tcp(let host, let port):
            guard (0...65535).contains(port) else { throw LinkError(.badEndpoint, "port \(port) is not 0–65535") }
            serverChannel = try await bootstrap.bind(host: host, port: port, childChannelInitializer: initializer)
        case .unix(let path):
            try UnixSocketFile.removeStale(path)
            let mode = configuration.socketFileMode & 0o660
            if let directory = try UnixSocketFile.makePrivateDirectory(beside: path) {
                defer { UnixSocketFile.removeDirectory(directory) }
                serverChannel = try await bootstrap.bind(
                    unixDomainSocketPath: directory + "/s", childChannelInitializer: initializer)
                do {
                    try UnixSocketFile.publish(directory + "/s", at: path, mode: mode)
                } catch {
                    // Closed through the wrapper: a wrapper dropped unfinished is a fatal error in NIO.
                    try? await serverChannel.executeThenClose { _ in }
                    throw error
                }
            } else {
                serverChannel = try await bootstrap.bind(
                    unixDomainSocketPath: path, childChannelInitializer: initializer)
                do {
                    try UnixSocketFile.publish(path, at: path, mode: mode)
                } catch {
                    try? await serverChannel.executeThenClose { _ in }
                    throw error
                }
            }
            socketPath = path
        }
        let server = LinkServer(
            configuration: configuration, serverChannel: serverChannel, socketPath: socketPath, shortRecords: counters,
            logger: logger)
        logger.info(
            "listening",
            metadata: [
                "link.mode": "\(mode)", "link.record_size": "\(recordSize)",
                "link.tls": "\(tls.map { "mutual TLS as \($0.settings.certificateName)" } ?? "off")",
            ])
        return server
    }

    /// The bound TCP port (useful after binding port 0); nil for a Unix socket.
    public var port: Int? {
        socketPath == nil ? serverChannel.channel.localAddress?.port : nil
    }

    /// The bound address.
    public var localAddress: SocketAddress? { serverChannel.channel.localAddress }

    /// Counters.
    public var statistics: Statistics {
        var snapshot = stats.withLock { $0 }
        snapshot.connectionsOpen = connections.withLock { $0.open.count }
        snapshot.shortRecordsDropped = shortRecords.shortRecordsDropped
        return snapshot
    }

    /// Serves connections until ``shutdown()`` (graceful) or task cancellation; then closes the
    /// listener and removes a Unix socket file.
    ///
    /// `onRecord` is called for each record in the order of its connection, one at a time per
    /// connection, concurrently across connections; while it runs, that connection is not read further.
    /// - Throws: only errors of the listening socket itself; a failing connection is logged and closed.
    public func run(onRecord: @escaping @Sendable (LinkRecord) async -> Void) async throws {
        try await run(onRecords: { records in
            for record in records { await onRecord(record) }
        })
    }

    /// Like ``run(onRecord:)``, with the records of one socket read handed over together, in order
    /// (never empty): one call per read instead of one per record.
    public func run(onRecords: @escaping @Sendable ([LinkRecord]) async -> Void) async throws {
        defer {
            if let socketPath { UnixSocketFile.remove(socketPath) }
        }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                await self.waitForShutdownRequest()
                self.serverChannel.channel.close(promise: nil)
                let open = self.connections.withLock { Array($0.open.values) }
                for channel in open { channel.close(mode: .input, promise: nil) }
            }
            defer { shutdown() }
            try await serverChannel.executeThenClose { inbound in
                for try await connection in inbound {
                    let id = connections.withLock { state in
                        state.next += 1
                        state.open[state.next] = connection.channel
                        return state.next
                    }
                    stats.withLock { $0.connectionsAccepted += 1 }
                    if shuttingDown.withLock({ $0 }) {
                        connection.channel.close(mode: .input, promise: nil)
                    }
                    group.addTask {
                        await self.serve(connection, onRecords: onRecords)
                        _ = self.connections.withLock { $0.open.removeValue(forKey: id) }
                    }
                }
            }
        }
        logger.info("listener stopped")
    }

    /// Starts a graceful shutdown: stop accepting, finish what connections already read, close.
    public func shutdown() {
        let first = shuttingDown.withLock { state in
            defer { state = true }
            return !state
        }
        if first { shutdownSignal.notify() }
    }

    private func waitForShutdownRequest() async {
        while true {
            let generation = shutdownSignal.generation
            if shuttingDown.withLock({ $0 }) || Task.isCancelled { return }
            await shutdownSignal.wait(after: generation)
        }
    }

    // MARK: - Connections

    private func serve(
        _ connection: NIOAsyncChannel<[Frame], ByteBuffer>,
        onRecords: @escaping @Sendable ([LinkRecord]) async -> Void
    ) async {
        let peer = connection.channel.remoteAddress?.description ?? "unix socket peer"
        var logger = self.logger
        logger[metadataKey: "link.peer"] = "\(peer)"
        do {
            switch configuration.mode {
            case .legacy:
                try await connection.executeThenClose { inbound, _ in
                    let sender = "legacy:" + peer
                    for try await frames in inbound {
                        stats.withLock { $0.recordsDelivered += frames.count }
                        await onRecords(
                            frames.map { LinkRecord(bytes: $0.payload, sequence: 0, sender: sender, ledger: nil) })
                    }
                }
            case .acked:
                try await serveAcked(connection, onRecords: onRecords, logger: &logger)
            }
            logger.debug("connection closed")
        } catch let error as LinkError {
            stats.withLock { $0.protocolErrors += 1 }
            logger.warning("connection closed: \(error)")
        } catch let error as WireError {
            stats.withLock { $0.protocolErrors += 1 }
            logger.warning("connection closed: \(error)")
        } catch  where TLSIdentity.isHandshakeFailure(error) {
            stats.withLock { $0.tlsRefused += 1 }
            logger.warning("TLS refused the peer: \(error)")
        } catch {
            logger.info("connection closed: \(error)")
        }
    }

    private func serveAcked(
        _ connection: NIOAsyncChannel<[Frame], ByteBuffer>,
        onRecords: @escaping @Sendable ([LinkRecord]) async -> Void,
        logger: inout Logger
    ) async throws {
        let channel = connection.channel
        let timeout = channel.eventLoop.scheduleTask(in: .nanoseconds(configuration.handshakeTimeout.nanoseconds)) {
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        try await connection.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            // The first batch starts with LINK_HELLO; records may follow it in the same read.
            guard var firstBatch = try await iterator.next(), !firstBatch.isEmpty else { return }
            let first = firstBatch.removeFirst()
            let (hello, version) = try await checkHello(first, outbound: outbound, allocator: channel.allocator)
            let ledger = try await ledger(for: hello.sender)
            timeout.cancel()
            var connectionLogger = logger
            connectionLogger[metadataKey: "link.sender"] = "\(hello.sender)"
            let durableAtStart = ledger.durable
            var buffer = channel.allocator.buffer(capacity: 128)
            buffer.writeFrame(
                type: .linkReady,
                payload: ControlCoding.encode(
                    LinkReadyMessage(version: version, link: hello.link, durable: durableAtStart)))
            try await outbound.write(buffer)
            connectionLogger.debug("link ready", metadata: ["link.durable": "\(durableAtStart)"])

            let progress = ConnectionProgress()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await self.writeAcks(
                        ledger: ledger, outbound: outbound, allocator: channel.allocator, alreadySent: durableAtStart,
                        progress: progress)
                }
                do {
                    var next: [Frame]? = firstBatch
                    while let frames = next {
                        try await deliver(
                            frames, ledger: ledger, sender: hello.sender, progress: progress, onRecords: onRecords,
                            outbound: outbound, allocator: channel.allocator, logger: connectionLogger)
                        next = try await iterator.next()
                    }
                } catch {
                    progress.state.withLock { $0.inputDone = true }
                    ledger.durableChanged.notify()
                    throw error
                }
                progress.state.withLock { $0.inputDone = true }
                ledger.durableChanged.notify()
                try await group.waitForAll()
            }
        }
    }

    /// Admits and hands over the records of one read, in order, under the sender's lock (another
    /// connection of the same sender cannot hand a later record over in between); control frames
    /// are handled in their place.
    private func deliver(
        _ frames: [Frame], ledger: SenderLedger, sender: String, progress: ConnectionProgress,
        onRecords: @escaping @Sendable ([LinkRecord]) async -> Void,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, allocator: ByteBufferAllocator, logger: Logger
    ) async throws {
        guard !frames.isEmpty else { return }
        var admitted: [LinkRecord] = []
        admitted.reserveCapacity(frames.count)
        var skipped = 0
        var lastAdmitted: UInt64 = 0
        await ledger.delivery.lock()
        func handOver() async {
            guard !admitted.isEmpty || skipped > 0 else { return }
            if lastAdmitted > 0 { progress.state.withLock { $0.lastAdmitted = lastAdmitted } }
            let count = admitted.count
            let duplicates = skipped
            stats.withLock {
                $0.recordsDelivered += count
                $0.duplicatesSkipped += duplicates
            }
            if !admitted.isEmpty { await onRecords(admitted) }
            admitted.removeAll(keepingCapacity: true)
            skipped = 0
        }
        do {
            for frame in frames {
                switch frame.type {
                case .record:
                    guard frame.id > 0 else {
                        await handOver()
                        try await refuse(
                            LinkErrorCode.badSequence, "RECORD with sequence number 0", outbound: outbound,
                            allocator: allocator)
                    }
                    guard frame.payload.count == configuration.recordSize else {
                        await handOver()
                        try await refuse(
                            LinkErrorCode.recordSizeMismatch,
                            "RECORD \(frame.id) has \(frame.payload.count) bytes, the link's record size is \(configuration.recordSize)",
                            outbound: outbound, allocator: allocator)
                    }
                    if ledger.admit(frame.id) {
                        lastAdmitted = frame.id
                        admitted.append(
                            LinkRecord(bytes: frame.payload, sequence: frame.id, sender: sender, ledger: ledger))
                    } else {
                        skipped += 1
                    }
                case .error:
                    await handOver()
                    let message = try? ControlCoding.decode(ErrorMessage.self, from: frame.payload, frame: .error)
                    logger.warning("sender reported an error: \(message?.description ?? "unreadable")")
                default:
                    await handOver()
                    stats.withLock { $0.unknownFrames += 1 }
                }
            }
            await handOver()
        } catch {
            ledger.delivery.unlock()
            throw error
        }
        ledger.delivery.unlock()
    }

    /// Sends ACK frames whenever the sender's durable watermark advances; after the input ended,
    /// waits for this connection's records to become durable (bounded by the drain timeout).
    private func writeAcks(
        ledger: SenderLedger,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        allocator: ByteBufferAllocator,
        alreadySent: UInt64,
        progress: ConnectionProgress
    ) async throws {
        var sent = alreadySent
        var deadline: ContinuousClock.Instant?
        while true {
            let generation = ledger.durableChanged.generation
            let durable = ledger.durable
            if durable > sent {
                var buffer = allocator.buffer(capacity: FrameHeader.size)
                buffer.writeFrame(type: .ack, id: durable, payload: EmptyCollection())
                try await outbound.write(buffer)
                sent = durable
                stats.withLock { $0.acksSent += 1 }
                logger.trace("ACK sent", metadata: ["link.sender": "\(ledger.sender)", "link.durable": "\(durable)"])
            }
            let (inputDone, last) = progress.state.withLock { ($0.inputDone, $0.lastAdmitted) }
            if inputDone {
                if ledger.isDurable(through: last) {
                    if ledger.durable > sent { continue }
                    logger.trace(
                        "ACK writer done", metadata: ["link.sender": "\(ledger.sender)", "link.durable": "\(sent)"])
                    return
                }
                let now = ContinuousClock.now
                let end = deadline ?? now.advanced(by: configuration.drainTimeout)
                deadline = end
                if now >= end {
                    logger.warning(
                        "records still unacknowledged by the application when the connection ended; the sender will resend them",
                        metadata: ["link.sender": "\(ledger.sender)", "link.durable": "\(ledger.durable)"])
                    return
                }
                _ = await ledger.durableChanged.wait(after: generation, timeout: end - now)
            } else {
                await ledger.durableChanged.wait(after: generation)
                if Task.isCancelled { return }
            }
        }
    }

    private func checkHello(
        _ frame: Frame,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        allocator: ByteBufferAllocator
    ) async throws -> (LinkHelloMessage, Int) {
        guard frame.type == .linkHello else {
            try await refuse(
                LinkErrorCode.badHello, "the first frame must be LINK_HELLO, got \(frame.type)", outbound: outbound,
                allocator: allocator)
        }
        let hello: LinkHelloMessage
        do {
            hello = try ControlCoding.decode(LinkHelloMessage.self, from: frame.payload, frame: .linkHello)
        } catch {
            try await refuse(LinkErrorCode.badHello, "\(error)", outbound: outbound, allocator: allocator)
        }
        guard hello.protocol == LinkProtocol.magic else {
            try await refuse(
                LinkErrorCode.badHello, "protocol \"\(hello.protocol)\" is not \(LinkProtocol.magic)",
                outbound: outbound,
                allocator: allocator)
        }
        guard let version = Set(hello.versions).intersection(LinkProtocol.supportedVersions).max() else {
            try await refuse(
                LinkErrorCode.incompatibleVersion,
                "sender speaks \(hello.versions), receiver \(LinkProtocol.supportedVersions)", outbound: outbound,
                allocator: allocator)
        }
        guard configuration.link == "*" || hello.link == configuration.link else {
            try await refuse(
                LinkErrorCode.unknownLink, "this listener serves link \"\(configuration.link)\", not \"\(hello.link)\"",
                outbound: outbound, allocator: allocator)
        }
        guard hello.recordSize == configuration.recordSize else {
            try await refuse(
                LinkErrorCode.recordSizeMismatch,
                "sender's record size \(hello.recordSize) is not the link's \(configuration.recordSize)",
                outbound: outbound,
                allocator: allocator)
        }
        guard !hello.sender.isEmpty, hello.sender.utf8.count <= 256 else {
            try await refuse(
                LinkErrorCode.badHello, "sender identity must be 1–256 bytes", outbound: outbound, allocator: allocator)
        }
        return (hello, version)
    }

    /// Sends an ERROR frame and ends the connection with a ``LinkError``.
    private func refuse(
        _ code: Int,
        _ message: String,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        allocator: ByteBufferAllocator
    ) async throws -> Never {
        var buffer = allocator.buffer(capacity: 256)
        buffer.writeFrame(type: .error, payload: ControlCoding.encode(ErrorMessage(code: code, message: message)))
        try? await outbound.write(buffer)
        throw LinkError(.protocolViolation, "refused the sender: error \(code): \(message)")
    }

    private func ledger(for sender: String) async throws -> SenderLedger {
        if let ledger = ledgers.withLock({ $0[sender] }) { return ledger }
        let durable = try await configuration.durableSequence(sender)
        return ledgers.withLock { ledgers in
            if let existing = ledgers[sender] { return existing }
            let ledger = SenderLedger(sender: sender, durable: durable)
            ledgers[sender] = ledger
            return ledger
        }
    }
}

/// What the reading side of an acked connection tells its ACK writer.
private final class ConnectionProgress: Sendable {
    struct State {
        var lastAdmitted: UInt64 = 0
        var inputDone = false
    }
    let state = Mutex(State())
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : product &+ attoseconds / 1_000_000_000
    }
}
