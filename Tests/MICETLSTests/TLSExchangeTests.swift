// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETLS
import NIOCore
import NIOPosix
import Testing

/// TLSExchange (one request, one answer, blocking) against an mTLS echo server on 127.0.0.1 that
/// uses the same `addHandler(to:role:eventLoop:)` a ReactionDaemon listener would.
@Suite struct TLSExchangeTests {
    /// Echoes what it reads.
    final class Echo: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(data, promise: nil)
        }
    }

    static func echoServer(_ identity: TLSIdentity) throws -> any Channel {
        try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try identity.addHandler(
                        to: channel.pipeline.syncOperations, role: .server, eventLoop: channel.eventLoop)
                    try channel.pipeline.syncOperations.addHandler(Echo())
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    @Test("a request gets its answer over mTLS; another CA's or a revoked client is refused")
    func exchange() throws {
        let folder = "/tmp/mice-tlsx-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pki = PKI(directory: folder + "/pki")
        try pki.initialize()
        try pki.issue(name: "reactiond", ipAddresses: ["127.0.0.1"])
        try pki.issue(name: "agent")
        let server = try Self.echoServer(
            try TLSIdentity.load(TLSSettings(pkiDirectory: pki.directory, certificateName: "reactiond")))
        defer { try? server.close().wait() }
        let port = try #require(server.localAddress?.port)
        let agent = try TLSIdentity.load(TLSSettings(pkiDirectory: pki.directory, certificateName: "agent"))
        let request = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let answer = try TLSExchange.exchange(
            request, answerSize: request.count, host: "127.0.0.1", port: port, identity: agent, timeout: .seconds(10))
        #expect(answer == request)

        let other = PKI(directory: folder + "/other")
        try other.initialize()
        try other.issue(name: "agent")
        let stranger = try TLSIdentity.load(TLSSettings(pkiDirectory: other.directory, certificateName: "agent"))
        #expect(throws: (any Error).self) {
            _ = try TLSExchange.exchange(
                request, answerSize: request.count, host: "127.0.0.1", port: port, identity: stranger,
                timeout: .seconds(10))
        }
        // The revoked agent is refused by the listener (the check runs in the handshake).
        try pki.revoke("agent")
        #expect(throws: (any Error).self) {
            _ = try TLSExchange.exchange(
                request, answerSize: request.count, host: "127.0.0.1", port: port, identity: agent,
                timeout: .seconds(10))
        }
    }
}
