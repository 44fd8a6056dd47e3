// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import NIOCore
import NIOPosix

/// One request and one fixed-size answer over mutual TLS, from synchronous code: what a client
/// with blocking sockets (the countermeasure agent → ReactionDaemon, one connection per request)
/// needs instead of `socket`/`connect`/`send`/`recv`.
///
/// ```swift
/// let answer = try TLSExchange.exchange(
///     request, answerSize: request.count, host: "192.0.2.5", port: 1977, identity: identity, timeout: .seconds(5))
/// ```
public enum TLSExchange {
    /// Connects (TLS handshake with the server's certificate checked against `host`), writes
    /// `request`, reads exactly `answerSize` bytes and closes.
    ///
    /// Blocks the calling thread: call it from synchronous code, never from an event loop.
    /// - Throws: NIO's connect errors, the handshake's error (refused certificate), or ``TLSError``
    ///   with ``TLSError/Code/contextFailed`` when the peer closed early or `timeout` passed.
    public static func exchange(
        _ request: [UInt8], answerSize: Int, host: String, port: Int, identity: TLSIdentity, timeout: Duration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws -> [UInt8] {
        let deadline = NIODeadline.now() + .nanoseconds(Int64(clamping: timeout.components.seconds) * 1_000_000_000)
        let loop = group.next()
        let answer = loop.makePromise(of: [UInt8].self)
        let handshake = loop.makePromise(of: Void.self)
        let channel = try ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(Int64(clamping: timeout.components.seconds) * 1_000_000_000))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let done = try identity.addHandler(
                        to: channel.pipeline.syncOperations, role: .client(peerHost: host), eventLoop: channel.eventLoop
                    )
                    done.cascade(to: handshake)
                    try channel.pipeline.syncOperations.addHandler(
                        AnswerCollector(size: answerSize, promise: answer))
                }
            }
            .connect(host: host, port: port).wait()
        let timer = loop.scheduleTask(deadline: deadline) {
            answer.fail(TLSError(.contextFailed, "no answer from \(host):\(port) within \(timeout)"))
            channel.close(promise: nil)
        }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        try handshake.futureResult.wait()
        try channel.writeAndFlush(ByteBuffer(bytes: request)).wait()
        return try answer.futureResult.wait()
    }
}

/// Collects the answer's bytes; fails the promise when the connection ends first.
private final class AnswerCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let size: Int
    private let promise: EventLoopPromise<[UInt8]>
    private var bytes: [UInt8] = []
    private var isDone = false

    init(size: Int, promise: EventLoopPromise<[UInt8]>) {
        self.size = size
        self.promise = promise
        bytes.reserveCapacity(size)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard !isDone else { return }
        let take = min(size - bytes.count, buffer.readableBytes)
        bytes.append(contentsOf: buffer.readBytes(length: take) ?? [])
        if bytes.count == size {
            isDone = true
            promise.succeed(bytes)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !isDone {
            isDone = true
            promise.fail(error)
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !isDone {
            isDone = true
            promise.fail(
                TLSError(.contextFailed, "the peer closed the connection after \(bytes.count) of \(size) bytes"))
        }
        context.fireChannelInactive()
    }
}
