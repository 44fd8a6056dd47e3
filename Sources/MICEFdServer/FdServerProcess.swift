// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import CMICESpawn
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Starts the `mice-fdserver` executable on one end of a socket pair and keeps the other end as
/// an ``FdClient``.
///
/// The DataForwarder, started as root, calls ``launch(executable:allowList:logger:)`` first and
/// ``PrivilegeDrop/drop(user:group:logger:)`` right after: from then on only the small server
/// process holds root. The server is spawned (posix_spawn, no fork of the Swift process) with the
/// socket as descriptor 3, stdin on /dev/null, this process's stdout and stderr, every other
/// descriptor closed, an empty environment, `/` as working directory and its own session; it
/// ends by itself when the client's end is closed (also when this process dies).
public final class FdServerProcess: Sendable {
    /// The server's process ID.
    public let pid: pid_t
    /// The client connected to it.
    public let client: FdClient
    private let reaped = Mutex<Int32?>(nil)

    private init(pid: pid_t, client: FdClient) {
        self.pid = pid
        self.client = client
    }

    /// Spawns the server and waits until it answers a ping.
    /// - Parameters:
    ///   - executable: The absolute path of `mice-fdserver`.
    ///   - allowList: The paths it may open (the configured FILE paths).
    ///   - readOnlyUser: When set (with `readOnlyGroup`), the server, if started as root, becomes
    ///     this user and group keeping only CAP_DAC_READ_SEARCH (``FdServer/keepOnlyReadAccess(user:group:)``);
    ///     nil keeps it fully root.
    ///   - readOnlyGroup: The group for `readOnlyUser`.
    ///   - logger: For the start line.
    /// - Throws: ``FdServerError`` with code ``FdServerError/Code/spawnFailed``.
    public static func launch(
        executable: String, allowList: [String], readOnlyUser: String? = nil, readOnlyGroup: String? = nil,
        logger: Logger
    ) throws -> FdServerProcess {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw FdServerError(.spawnFailed, subject: executable, errno: errno, "socketpair")
        }
        let client = FdClient(socket: pair[0])
        var copies: [Int32] = []
        defer {
            for fd in copies { close(fd) }
            close(pair[1])
        }
        // Copies above 9 so that no dup2 in the child overwrites a source it still needs.
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        for source in [devNull, 1, 2, pair[1]] {
            let copy = source >= 0 ? fcntl(source, F_DUPFD_CLOEXEC, 10) : -1
            guard copy >= 0 else {
                if devNull >= 0 { close(devNull) }
                throw FdServerError(.spawnFailed, subject: executable, errno: errno, "cannot prepare descriptors")
            }
            copies.append(copy)
        }
        close(devNull)
        var arguments = [executable, "--socket-fd", "3"]
        if let readOnlyUser, let readOnlyGroup { arguments += ["--user", readOnlyUser, "--group", readOnlyGroup] }
        arguments += allowList.flatMap { ["--allow", $0] }
        var pid: pid_t = 0
        let rc = withCStrings(arguments) { argv in
            withCStrings([]) { envp in
                copies.withUnsafeBufferPointer { fds in
                    mice_spawn_fds(executable, argv, envp, "/", fds.baseAddress, Int32(fds.count), 1, &pid)
                }
            }
        }
        guard rc == 0 else { throw FdServerError(.spawnFailed, subject: executable, errno: rc, "posix_spawn") }
        let process = FdServerProcess(pid: pid, client: client)
        do {
            try client.ping()
        } catch {
            let status = process.stop(timeout: .seconds(2))
            throw FdServerError(
                .spawnFailed, subject: executable, "the server did not answer (\(error)); wait status \(status)")
        }
        logger.info(
            "fd server started", metadata: ["fdserver.pid": "\(pid)", "fdserver.files": "\(allowList.count)"])
        return process
    }

    /// Closes the client's end (the server then exits) and reaps the server, killing it after
    /// `timeout`. Blocks the calling thread for at most `timeout` plus the kill.
    /// - Returns: The raw wait status.
    @discardableResult
    public func stop(timeout: Duration = .seconds(5)) -> Int32 {
        client.close()
        return reaped.withLock { reaped in
            if let status = reaped { return status }
            var status: Int32 = 0
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let rc = waitpid(pid, &status, WNOHANG)
                if rc == pid || (rc < 0 && errno != EINTR) {
                    reaped = status
                    return status
                }
                usleep(2000)
            }
            kill(pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            reaped = status
            return status
        }
    }

    deinit { stop() }
}

/// Calls `body` with a NULL-terminated C array of the strings.
private func withCStrings<Result>(
    _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result
) -> Result {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
