// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A minimal plain SMTP client (RFC 5321) for the mail agent: one connection per mail, EHLO
/// (HELO when EHLO is refused), MAIL, RCPT per recipient, DATA with dot-stuffing, QUIT. Blocking
/// sockets with a timeout on connect and on every read and write; no TLS, no authentication
/// (a local relay is expected).
public struct SMTPClient: Sendable {
    /// The server's host name or address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// The name said in EHLO.
    public var heloName: String
    /// Connect, read and write timeout.
    public var timeoutSeconds: Int

    public init(host: String, port: Int, heloName: String, timeoutSeconds: Int) {
        self.host = host
        self.port = port
        self.heloName = heloName
        self.timeoutSeconds = max(1, timeoutSeconds)
    }

    var server: String { "\(host):\(port)" }

    /// Sends one message.
    /// - Parameters:
    ///   - from: The envelope sender (an address without angle brackets).
    ///   - recipients: The envelope recipients.
    ///   - message: Header and body, lines separated by CRLF or LF (sent as CRLF, dot-stuffed).
    /// - Throws: ``MailError``.
    public func send(from: String, recipients: [String], message: String) throws(MailError) {
        let fd = try connect()
        defer { close(fd) }
        var connection = Connection(fd: fd, server: server)
        try connection.expect(220, command: "greeting")
        do {
            try connection.command("EHLO \(heloName)", expect: 250)
        } catch let error where error.code == .rejected {
            try connection.command("HELO \(heloName)", expect: 250)
        }
        try connection.command("MAIL FROM:<\(from)>", expect: 250)
        for recipient in recipients {
            try connection.command("RCPT TO:<\(recipient)>", expect: 250, 251)
        }
        try connection.command("DATA", expect: 354)
        try connection.write(Self.dataBlock(message), command: "DATA")
        try connection.expect(250, command: "DATA (end)")
        try? connection.command("QUIT", expect: 221)
    }

    /// The DATA block: CRLF line ends, a leading dot doubled, ended by `.` on a line of its own.
    static func dataBlock(_ message: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(message.utf8.count + 64)
        var lines = message.replacingOccurrences(of: "\r\n", with: "\n").split(
            separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        for line in lines {
            if line.hasPrefix(".") { bytes.append(0x2E) }
            bytes += Array(line.utf8).filter { $0 != 0x0D }
            bytes += [0x0D, 0x0A]
        }
        bytes += Array(".\r\n".utf8)
        return bytes
    }

    private func connect() throws(MailError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw MailError(.connectFailed, server: server, "cannot resolve: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            entry = current.pointee.ai_next
            let fd = socket(current.pointee.ai_family, current.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { continue }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var result = Glibc.connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen)
            if result != 0 && errno == EINPROGRESS {
                var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&descriptor, 1, Int32(timeoutSeconds * 1000)) == 1 {
                    var error: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                    result = error == 0 ? 0 : -1
                    errno = error
                } else {
                    errno = ETIMEDOUT
                }
            }
            guard result == 0 else {
                lastError = String(cString: strerror(errno))
                close(fd)
                continue
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            return fd
        }
        throw MailError(.connectFailed, server: server, lastError)
    }

    /// One SMTP connection: commands and (multi-line) replies.
    private struct Connection {
        let fd: Int32
        let server: String
        var buffer: [UInt8] = []

        init(fd: Int32, server: String) {
            self.fd = fd
            self.server = server
        }

        mutating func command(_ line: String, expect codes: Int...) throws(MailError) {
            let verb = String(line.prefix { $0 != " " && $0 != ":" })
            try write(Array((line + "\r\n").utf8), command: verb)
            try expect(codes, command: verb)
        }

        mutating func expect(_ codes: Int..., command: String) throws(MailError) {
            try expect(codes, command: command)
        }

        mutating func expect(_ codes: [Int], command: String) throws(MailError) {
            var text = ""
            while true {
                let line = try readLine(command: command)
                let digits = line.prefix(3)
                guard line.count >= 3, let code = Int(digits) else {
                    throw MailError(.rejected, server: server, command: command, "unreadable reply \"\(line)\"")
                }
                text += (text.isEmpty ? "" : " ") + line.dropFirst(4)
                if line.count > 3 && line[line.index(line.startIndex, offsetBy: 3)] == "-" { continue }
                guard codes.contains(code) else {
                    throw MailError(.rejected, server: server, command: command, replyCode: code, text)
                }
                return
            }
        }

        mutating func readLine(command: String) throws(MailError) -> String {
            while true {
                if let end = buffer.firstIndex(of: 0x0A) {
                    var line = Array(buffer[..<end])
                    buffer.removeSubrange(...end)
                    if line.last == 0x0D { line.removeLast() }
                    return String(decoding: line, as: UTF8.self)
                }
                guard buffer.count < 64 * 1024 else {
                    throw MailError(.rejected, server: server, command: command, "reply line too long")
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else {
                    let reason = count == 0 ? "connection closed" : String(cString: strerror(errno))
                    throw MailError(.ioFailed, server: server, command: command, reason)
                }
                buffer += chunk[..<count]
            }
        }

        func write(_ bytes: [UInt8], command: String) throws(MailError) {
            var offset = 0
            while offset < bytes.count {
                let count = bytes.withUnsafeBytes {
                    Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
                }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else {
                    throw MailError(.ioFailed, server: server, command: command, String(cString: strerror(errno)))
                }
                offset += count
            }
        }
    }
}
