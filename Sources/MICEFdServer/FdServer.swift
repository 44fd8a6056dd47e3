// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import CMICESpawn

#if canImport(Glibc)
import Glibc
#endif

/// The privileged half of the DataForwarder's privilege separation (the original FdescServer):
/// opens allowed log files read-only and passes their descriptors to the unprivileged watcher.
///
/// It runs in its own small process (`mice-fdserver`), the only one that keeps root. Every
/// request is checked in this order; the first failing check is the reply's status:
/// 1. the message decodes (magic, command, length, NUL terminator; see ``FdProtocol``);
/// 2. the path is absolute and on the allow-list, exactly;
/// 3. realpath(path) succeeds and is itself on the allow-list (no symbolic-link escapes);
/// 4. lstat of the real path is a regular file, character device or FIFO;
/// 5. open(real path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW) succeeds (never
///    blocks on a FIFO without writer, never acquires a controlling terminal);
/// 6. the descriptor's own path (/proc/self/fd/N) is the real path and fstat agrees on the type,
///    so a folder swapped between the checks and the open is noticed.
///
/// Malformed requests get an error reply and the server goes on; it ends when the client closes
/// its end of the socket.
public enum FdServer {
    /// What ``handle(_:allowList:)`` decided: a descriptor to send, or a refusal.
    public enum Outcome: Sendable, Hashable {
        /// Send this descriptor (the caller closes it after sending).
        case descriptor(Int32)
        /// Success without a descriptor (PING).
        case success
        /// Refuse with this code and errno.
        case refused(FdServerError.Code, errno: Int32)
    }

    /// Serves requests on `socket` until the peer closes it.
    /// - Parameters:
    ///   - socket: A connected `SOCK_SEQPACKET` Unix socket (fd 3 in `mice-fdserver`).
    ///   - allowList: The paths that may be opened.
    ///   - log: Receives one line per refused request (the executable writes them to stderr).
    /// - Returns: The number of requests served.
    @discardableResult
    public static func serve(socket: Int32, allowList: FdAllowList, log: (String) -> Void = { _ in }) -> Int {
        var buffer = [UInt8](repeating: 0, count: FdProtocol.maximumRequestSize + 1)
        var served = 0
        while true {
            var received: Int32 = -1
            var flags: Int32 = 0
            let count = buffer.withUnsafeMutableBytes {
                mice_recv_with_fd(socket, $0.baseAddress, $0.count, &received, &flags)
            }
            // A client has no business sending descriptors; never keep one.
            if received >= 0 { close(received) }
            if count < 0 {
                log("receive failed: \(FdSystem.message(Int32(-count)))")
                return served
            }
            if count == 0 && peerClosed(socket) { return served }
            served += 1
            let truncated = flags & Int32(MICE_RECV_TRUNCATED) != 0
            let outcome: Outcome
            switch FdProtocol.decode(buffer[0..<count], wasTruncated: truncated) {
            case .failure(let error):
                outcome = .refused(error.code, errno: 0)
            case .success(let request):
                outcome = handle(request, allowList: allowList)
            }
            let sent: Int
            switch outcome {
            case .descriptor(let fd):
                sent = FdProtocol.reply(status: 0).withUnsafeBytes {
                    mice_send_with_fd(socket, $0.baseAddress, $0.count, fd)
                }
                close(fd)
            case .success:
                sent = FdProtocol.reply(status: 0).withUnsafeBytes {
                    mice_send_with_fd(socket, $0.baseAddress, $0.count, -1)
                }
            case .refused(let code, let errno):
                log("refused: \(code)\(errno != 0 ? " (\(FdSystem.message(errno)))" : "")")
                sent = FdProtocol.reply(status: code.status ?? 1, errno: errno).withUnsafeBytes {
                    mice_send_with_fd(socket, $0.baseAddress, $0.count, -1)
                }
            }
            if sent < 0 {
                log("send failed: \(FdSystem.message(Int32(-sent)))")
                return served
            }
        }
    }

    /// Checks and carries out one decoded request (steps 2 to 6).
    public static func handle(_ request: FdProtocol.Request, allowList: FdAllowList) -> Outcome {
        if request.command == FdProtocol.commandPing { return .success }
        guard let path = String(validating: request.path, as: UTF8.self), path.hasPrefix("/") else {
            return .refused(.invalidPath, errno: 0)
        }
        guard allowList.contains(path) else { return .refused(.notAllowed, errno: 0) }
        let real: String
        switch FdSystem.realPath(path) {
        case (let resolved?, _): real = resolved
        case (nil, let code): return .refused(code == ENOENT ? .notFound : .statFailed, errno: code)
        }
        guard allowList.contains(real) else { return .refused(.resolvesOutside, errno: 0) }
        var info = stat()
        guard lstat(real, &info) == 0 else {
            return .refused(errno == ENOENT ? .notFound : .statFailed, errno: errno)
        }
        guard isAllowedType(info.st_mode) else { return .refused(.wrongFileType, errno: 0) }
        let fd = open(real, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP { return .refused(.resolvesOutside, errno: code) }
            if code == ENOENT { return .refused(.notFound, errno: code) }
            return .refused(.openFailed, errno: code)
        }
        var opened = stat()
        let actual = FdSystem.readLink("/proc/self/fd/\(fd)")
        guard fstat(fd, &opened) == 0, isAllowedType(opened.st_mode),
            actual == nil ? (opened.st_dev == info.st_dev && opened.st_ino == info.st_ino) : actual == real
        else {
            close(fd)
            return .refused(.changedDuringOpen, errno: 0)
        }
        return .descriptor(fd)
    }

    private static func isAllowedType(_ mode: mode_t) -> Bool {
        let type = mode & S_IFMT
        return type == S_IFREG || type == S_IFCHR || type == S_IFIFO
    }

    /// Gives up root except for reading: becomes `user`/`group` keeping only the capability
    /// CAP_DAC_READ_SEARCH (read any file, search any folder), with no_new_privs. Call it in the
    /// single-threaded server process, before ``serve(socket:allowList:log:)``. Not as root it
    /// does nothing and returns false.
    /// - Returns: true when the privileges were reduced.
    /// - Throws: ``FdServerError`` (unknownUser, unknownGroup, privilegeDropFailed).
    @discardableResult
    public static func keepOnlyReadAccess(user: String, group: String) throws -> Bool {
        guard geteuid() == 0 else { return false }
        let uid = try PrivilegeDrop.lookUpUser(user)
        let gid = try PrivilegeDrop.lookUpGroup(group)
        let rc = mice_keep_only_read_search(uid_t(uid), gid_t(gid))
        guard rc == 0 else {
            throw FdServerError(.privilegeDropFailed, subject: user, errno: rc, "keeping only CAP_DAC_READ_SEARCH")
        }
        guard getuid() == uid, geteuid() == uid, setuid(0) != 0 else {
            throw FdServerError(.privilegeDropFailed, subject: user, "root could be regained")
        }
        return true
    }

    // POLLRDHUP (Linux; a GNU extension Glibc does not import).
    private static let pollReadHangUp: Int16 = 0x2000

    /// After a zero-length receive: whether the peer closed (rather than sent an empty message).
    private static func peerClosed(_ socket: Int32) -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN) | pollReadHangUp, revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return false }
        return descriptor.revents & (Int16(POLLHUP) | pollReadHangUp) != 0
    }
}
