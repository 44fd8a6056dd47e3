// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import CMICEReaction
import MICECrypto
import MICERecords

#if canImport(Glibc)
import Glibc
#endif

/// A blocking client of the ReactionDaemon protocol (tests, `micectl bench reactions`): one TCP
/// connection, requests sent as `stCipherRctMsg` (plaintext or legacy Twofish), one answer read
/// per request.
public final class ReactionClientConnection {
    /// A failure to connect, send or receive.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// What failed.
        public var description: String
    }

    /// The stReactionMsg layout.
    public let architecture: ReactionArchitecture
    private let socket: Int32
    private let cipher: LegacyTwofish?

    /// Connects to `host` (a numeric address) and `port`.
    /// - Parameters:
    ///   - host: IPv4 or IPv6 literal.
    ///   - port: The daemon's port.
    ///   - architecture: The layout.
    ///   - cipher: The Twofish key, nil for plaintext envelopes.
    ///   - timeoutSeconds: Send and receive timeout.
    ///   - networkNamespace: A named network namespace (`ip netns`) to create the socket in; the
    ///     calling thread switches into it for the `socket` call only and back.
    /// - Throws: ``Failure``.
    public init(
        host: String, port: Int, architecture: ReactionArchitecture = .x86_64, cipher: LegacyTwofish? = nil,
        timeoutSeconds: Int = 30, networkNamespace: String? = nil
    ) throws {
        self.architecture = architecture
        self.cipher = cipher
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else {
            throw Failure(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        let fd = try Self.inNamespace(networkNamespace) {
            Glibc.socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "connect \(host):\(port): \(reason)")
        }
        socket = fd
    }

    deinit { close(socket) }

    private static func inNamespace<R>(_ name: String?, _ body: () -> R) throws -> R {
        guard let name else { return body() }
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        let target = open("/var/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        defer {
            if original >= 0 { close(original) }
            if target >= 0 { close(target) }
        }
        guard original >= 0, target >= 0, mice_setns_net(target) == 0 else {
            throw Failure(description: "cannot enter network namespace \(name): \(String(cString: strerror(errno)))")
        }
        let result = body()
        guard mice_setns_net(original) == 0 else {
            // The thread must not stay in the other namespace; nothing sensible is left to do.
            fatalError("cannot return to the original network namespace: \(String(cString: strerror(errno)))")
        }
        return result
    }

    /// Encodes a request envelope (checksum computed; encrypted when a cipher is set).
    /// - Parameter message: The message.
    /// - Returns: The `stCipherRctMsg` bytes.
    public func envelope(_ message: ReactionMessage) throws -> [UInt8] {
        let plain = message.encode(architecture: architecture)
        guard let cipher else { return CipherMsg.plaintext(plain).encode() }
        return try cipher.seal(plain).encode()
    }

    /// An EXEC request.
    public static func exec(
        functionID: UInt32, arguments: String, alertID: String = "bench", timestamp: UInt32, uid: UInt32 = 0,
        gid: UInt32 = 0
    ) -> ReactionMessage {
        ReactionMessage(
            timestamp: timestamp, mode: ReactionMessage.MID_EXEC,
            modeData: .exec(
                ExecMessage(
                    alertID: Array(alertID.utf8.prefix(100)), uidForExec: uid, gidForExec: gid, functionID: functionID,
                    numberOfArgs: 1, argFormatString: Array(arguments.utf8))))
    }

    /// Sends raw bytes (possibly not a whole envelope).
    /// - Throws: ``Failure``.
    public func send(raw bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            offset += count
        }
    }

    /// Half-closes the connection: the daemon sees the end of the stream.
    public func finishSending() {
        shutdown(socket, Int32(SHUT_WR))
    }

    /// Reads one answer envelope; nil when the daemon closed the connection instead.
    /// - Throws: ``Failure`` on a timeout or error.
    public func receive() throws -> ReactionMessage? {
        var answer = [UInt8](repeating: 0, count: architecture.envelopeSize)
        var offset = 0
        while offset < answer.count {
            let count = answer.withUnsafeMutableBytes { recv(socket, $0.baseAddress! + offset, $0.count - offset, 0) }
            if count == 0 { return nil }
            guard count > 0 else {
                if errno == ECONNRESET { return nil }
                throw Failure(description: "recv: \(String(cString: strerror(errno)))")
            }
            offset += count
        }
        let envelope = try CipherMsg(decoding: answer, innerSize: architecture.messageSize)
        return try ReactionMessage(decoding: envelope.payload, architecture: architecture)
    }

    /// Sends a request and reads its answer.
    /// - Returns: The answer, nil when the daemon closed the connection (request refused).
    public func request(_ message: ReactionMessage) throws -> ReactionMessage? {
        try send(raw: envelope(message))
        return try receive()
    }

    /// The RetVal code of an answer, nil when it is not a MID_RETVAL.
    public static func returnValue(_ answer: ReactionMessage?) -> Int32? {
        guard let answer, case .retval(let code) = answer.modeData else { return nil }
        return code
    }
}
