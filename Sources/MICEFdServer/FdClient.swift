// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import CMICESpawn
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The unprivileged side of the fd server socket: asks for a log file and gets its descriptor.
///
/// Thread-safe: requests are serialised (one in flight), so the tailer's thread and others may
/// share one client. Plug it into the tailer with
/// `FileOpener { path in try client.open(path) }`.
public final class FdClient: Sendable {
    private let socket: Mutex<Int32>

    /// - Parameters:
    ///   - socket: The client's end of a connected `SOCK_SEQPACKET` socket pair; the client owns it.
    ///   - timeout: How long one reply may take before ``FdServerError/Code/serverUnavailable``.
    public init(socket: Int32, timeout: Duration = .seconds(10)) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        _ = setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        self.socket = Mutex(socket)
    }

    deinit { close() }

    /// Closes the socket; the server then ends. Later requests fail with
    /// ``FdServerError/Code/serverUnavailable``.
    public func close() {
        socket.withLock { fd in
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }
    }

    /// Asks the server to open `path` read-only.
    /// - Returns: A descriptor with close-on-exec set; the caller owns it.
    /// - Throws: ``FdServerError`` with the server's refusal code and errno, or a client-side code.
    public func open(_ path: String) throws -> Int32 {
        let bytes = Array(path.utf8)
        guard bytes.count <= FdProtocol.maximumPathLength else {
            throw FdServerError(.pathTooLong, subject: path, "\(bytes.count) bytes")
        }
        guard let fd = try exchange(FdProtocol.request(command: FdProtocol.commandOpen, path: bytes), subject: path)
        else {
            throw FdServerError(.protocolViolation, subject: path, "success without a descriptor")
        }
        return fd
    }

    /// Checks that the server answers.
    public func ping() throws {
        if let fd = try exchange(FdProtocol.request(command: FdProtocol.commandPing, path: []), subject: "ping") {
            Glibc.close(fd)
            throw FdServerError(.protocolViolation, subject: "ping", "a descriptor came with the ping reply")
        }
    }

    /// Sends raw bytes as one request and decodes the reply (for tests of hostile requests).
    /// - Returns: The descriptor sent with a success reply, if any.
    public func exchange(_ request: [UInt8], subject: String) throws -> Int32? {
        try socket.withLock { fd in
            guard fd >= 0 else { throw FdServerError(.serverUnavailable, subject: subject, "the client is closed") }
            let sent = request.withUnsafeBytes { mice_send_with_fd(fd, $0.baseAddress, $0.count, -1) }
            if sent < 0 { throw FdServerError(.serverUnavailable, subject: subject, errno: Int32(-sent), "send") }
            var reply = [UInt8](repeating: 0, count: FdProtocol.replySize + 1)
            var received: Int32 = -1
            var flags: Int32 = 0
            let count = reply.withUnsafeMutableBytes {
                mice_recv_with_fd(fd, $0.baseAddress, $0.count, &received, &flags)
            }
            if count < 0 {
                throw FdServerError(.serverUnavailable, subject: subject, errno: Int32(-count), "receive")
            }
            if count == 0 { throw FdServerError(.serverUnavailable, subject: subject, "the server closed the socket") }
            guard count == FdProtocol.replySize, flags == 0, reply[1] == 0, reply[2] == 0, reply[3] == 0 else {
                if received >= 0 { Glibc.close(received) }
                throw FdServerError(.protocolViolation, subject: subject, "bad reply of \(count) bytes")
            }
            let status = reply[0]
            let errno = Int32(
                bitPattern: UInt32(reply[4]) << 24 | UInt32(reply[5]) << 16 | UInt32(reply[6]) << 8 | UInt32(reply[7]))
            if status == 0 { return received >= 0 ? received : nil }
            if received >= 0 { Glibc.close(received) }
            guard let code = FdServerError.Code(status: status) else {
                throw FdServerError(.protocolViolation, subject: subject, "unknown status \(status)")
            }
            throw FdServerError(code, subject: subject, errno: errno)
        }
    }
}
