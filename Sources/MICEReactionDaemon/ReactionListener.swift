// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import MICETransport
import MICEWire
import NIOCore
import NIOPosix
import Synchronization

/// The ReactionDaemon's TCP listener: fixed-size `stCipherRctMsg` records in, one answer per
/// record out, many connections at once.
///
/// Each accepted channel's pipeline is built by ``PipelineSetup`` first (the place where a TLS
/// handler will go, in front of everything else), then a ``FixedRecordDecoder`` of the
/// envelope size. A partial record at the end of a stream is dropped (never executed). Beyond
/// `maxClients` open connections, new ones are closed at once.
public final class ReactionListener: Sendable {
    /// Adds handlers in front of the record decoder (e.g. TLS); runs on the channel's event loop.
    public typealias PipelineSetup = @Sendable (any Channel) throws -> Void

    private let serverChannel: NIOAsyncChannel<NIOAsyncChannel<Frame, ByteBuffer>, Never>
    private let handler: ReactionRequestHandler
    private let maxClients: Int
    private let open = Mutex(0)
    private let logger: Logger

    /// Binds the listener.
    /// - Parameters:
    ///   - host: The address to bind.
    ///   - port: The port (0: any).
    ///   - backlog: The listen backlog.
    ///   - recordSize: The envelope size.
    ///   - maxClients: Connections served at once.
    ///   - handler: The request handler.
    ///   - idleSeconds: A connection that sends nothing for this long is closed.
    ///   - setup: Handlers in front of the decoder, nil for none.
    ///   - logger: The logger.
    /// - Throws: NIO's errors when the address cannot be bound.
    public init(
        host: String, port: Int, backlog: Int, recordSize: Int, maxClients: Int, handler: ReactionRequestHandler,
        idleSeconds: Int = 60, setup: PipelineSetup? = nil, logger: Logger
    ) async throws {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: Int32(clamping: backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        serverChannel = try await bootstrap.bind(host: host, port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try setup?(channel)
                // Idle connections would hold MAX_CLIENTS slots forever (slowloris).
                try channel.pipeline.syncOperations.addHandler(
                    IdleStateHandler(readTimeout: .seconds(Int64(max(idleSeconds, 1)))))
                try channel.pipeline.syncOperations.addHandler(IdleConnectionCloser())
                try channel.pipeline.syncOperations.addHandler(
                    ByteToMessageHandler(FixedRecordDecoder(recordSize: recordSize)))
                return try NIOAsyncChannel<Frame, ByteBuffer>(
                    wrappingChannelSynchronously: channel,
                    configuration: .init(inboundType: Frame.self, outboundType: ByteBuffer.self))
            }
        }
        self.handler = handler
        self.maxClients = maxClients
        self.logger = logger
    }

    /// The bound port.
    public var port: Int? { serverChannel.channel.localAddress?.port }

    /// Closes the listening socket; ``run()`` returns once the open connections end.
    public func close() {
        serverChannel.channel.close(promise: nil)
    }

    /// Serves until the listening socket is closed.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await serverChannel.executeThenClose { inbound in
                for try await connection in inbound {
                    let admitted = open.withLock { count -> Bool in
                        guard count < maxClients else { return false }
                        count += 1
                        return true
                    }
                    guard admitted else {
                        logger.warning("too many connections (MAX_CLIENTS \(maxClients)); closing a new one")
                        try? await connection.executeThenClose { _, _ in }
                        continue
                    }
                    group.addTask {
                        await self.serve(connection)
                        self.open.withLock { $0 -= 1 }
                    }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<Frame, ByteBuffer>) async {
        let peer = connection.channel.remoteAddress?.description ?? "?"
        do {
            try await connection.executeThenClose { inbound, outbound in
                var clock = ReplayGuard.ConnectionClock()
                for try await frame in inbound {
                    switch await handler.handle(frame.payload, clock: &clock, peer: peer) {
                    case .reply(let bytes):
                        try await outbound.write(ByteBuffer(bytes: bytes))
                    case .refuse:
                        return
                    }
                }
            }
        } catch {
            logger.debug("connection \(peer) ended: \(error)")
        }
    }
}
