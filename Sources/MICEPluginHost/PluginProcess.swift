// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import CMICESpawn
import Logging
import MICEPluginManifest
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One running module process: spawn, exit watching and teardown.
///
/// ``spawn(manifest:options:logger:)`` starts the module with posix_spawn, never through a
/// shell: the argv of the manifest (absolute, `@bin/NAME` or relative to the plugin folder), pipes
/// on fds 0, 1 and 2 and nothing else open, the plugin folder as working directory, a new session
/// and process group, default signal dispositions, an empty signal mask and an allow-listed
/// environment (docs/plugin-protocol.md section 1). stderr goes to a ``StderrRelay`` at once;
/// stdin and stdout are handed to a ``PluginConnection``.
///
/// A dedicated thread watches for the exit with `waitid(WNOWAIT)`: the zombie keeps the process
/// group id reserved until that thread has sent SIGKILL to whatever is left of the group (a
/// module must not leave processes behind) and then reaps the module. Group signals are only
/// sent while the module is not reaped, so they can never reach an unrelated process that reused
/// the id.
///
/// The host ignores SIGPIPE from the first spawn on (a module that closes stdin must give the
/// writer EPIPE, not kill the daemon); the child gets default dispositions back.
public final class PluginProcess: Sendable {
    /// The plugin's name.
    public let name: String
    /// The process id, which is also the id of its process group and session.
    public let pid: Int32
    /// The argv that was executed, wrappers included.
    public let argv: [String]
    /// The module's stderr relay.
    public let stderr: StderrRelay

    private struct Pipes {
        var stdin: Int32?
        var stdout: Int32?
    }
    private let pipes: Mutex<Pipes>
    /// True once the module is reaped; group signals are sent only while it is false.
    private let reaped = Mutex(false)
    private let exit = OneShot<ExitStatus>()

    private init(name: String, pid: Int32, argv: [String], stdin: Int32, stdout: Int32, stderr: StderrRelay) {
        self.name = name
        self.pid = pid
        self.argv = argv
        self.stderr = stderr
        self.pipes = Mutex(Pipes(stdin: stdin, stdout: stdout))
    }

    deinit {
        pipes.withLock { pipes in
            if let fd = pipes.stdin { close(fd) }
            if let fd = pipes.stdout { close(fd) }
        }
    }

    private static let ignoreSIGPIPE: Void = {
        signal(SIGPIPE, SIG_IGN)
    }()

    /// Starts the module of `manifest`.
    /// - Throws: ``PluginError`` with code ``PluginError/Code/spawnFailed``.
    public static func spawn(
        manifest: PluginManifest,
        options: PluginSpawnOptions = PluginSpawnOptions(),
        logger: Logger
    ) throws(PluginError) -> PluginProcess {
        _ = ignoreSIGPIPE
        let stateDirectory = options.stateDirectory ?? "/tmp/mice-plugin-state-\(getuid())/\(manifest.name)"
        makeDirectories(stateDirectory)
        let plan = try plan(
            manifest: manifest,
            options: options,
            stateDirectory: stateDirectory,
            isRoot: geteuid() == 0,
            hostVariable: { name in getenv(name).map { String(cString: $0) } }
        )
        let fail = { (detail: String) in PluginError(.spawnFailed, plugin: manifest.name, detail) }
        let executable = plan.argv[0]
        guard access(executable, X_OK) == 0 else {
            throw fail("\(executable) is not an executable file: \(String(cString: strerror(errno)))")
        }
        guard let input = makePipe(), let output = makePipe(), let errors = makePipe() else {
            throw fail("cannot create pipes: \(String(cString: strerror(errno)))")
        }
        let parentEnds = [input.write, output.read, errors.read]
        let childEnds = [input.read, output.write, errors.write]
        var pid: pid_t = 0
        let rc = withCStrings(plan.argv) { argv in
            withCStrings(plan.environment.map { "\($0.key)=\($0.value)" }.sorted()) { envp in
                mice_spawn(executable, argv, envp, plan.workingDirectory, input.read, output.write, errors.write, &pid)
            }
        }
        for fd in childEnds { close(fd) }
        guard rc == 0 else {
            for fd in parentEnds { close(fd) }
            throw fail("posix_spawn \(executable) in \(plan.workingDirectory): \(String(cString: strerror(rc)))")
        }
        // The writer polls stdin, so it can time out and be woken while the module does not read.
        let flags = fcntl(input.write, F_GETFL)
        _ = fcntl(input.write, F_SETFL, flags | O_NONBLOCK)
        if options.pipeCapacity > 0 {
            let capacity = Int32(clamping: options.pipeCapacity)
            _ = mice_set_pipe_size(input.write, capacity)
            _ = mice_set_pipe_size(output.read, capacity)
        }
        let relay = StderrRelay(
            fileDescriptor: errors.read,
            pluginName: manifest.name,
            pid: pid,
            logger: logger,
            rateLimit: options.stderrRateLimit
        )
        let process = PluginProcess(
            name: manifest.name,
            pid: pid,
            argv: plan.argv,
            stdin: input.write,
            stdout: output.read,
            stderr: relay
        )
        if !DetachedThread.start({ [process] in process.watchExit() }) {
            // Without a watcher nobody would reap the child: kill and reap it right here.
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
            process.reaped.withLock { $0 = true }
            process.exit.fulfill(ExitStatus(waitStatus: status))
            throw fail("cannot start the exit watcher thread")
        }
        logger.debug(
            "spawned plugin",
            metadata: ["plugin.name": "\(manifest.name)", "plugin.pid": "\(pid)", "plugin.argv": "\(plan.argv)"]
        )
        return process
    }

    // MARK: - Exit and signals

    /// How the module ended, once it has been reaped.
    public var exitStatus: ExitStatus? { exit.value }

    /// Waits until the module has exited and been reaped.
    public func waitForExit() async -> ExitStatus {
        if let status = await exit.wait() { return status }
        // Cancelled: the reap always comes (SIGKILL has been or will be sent), so wait for it in
        // a task that does not inherit the cancellation.
        return await Task { await self.exit.wait() }.value ?? .signaled(SIGKILL)
    }

    /// Waits at most `timeout` seconds for the module to exit.
    public func waitForExit(timeout: Double) async -> ExitStatus? {
        await exit.wait(timeout: .seconds(max(timeout, 0)))
    }

    /// Sends `signal` to the module's process group, if the module has not been reaped yet.
    /// - Returns: whether the signal was sent.
    @discardableResult
    public func signalGroup(_ signal: Int32) -> Bool {
        reaped.withLock { reaped in
            guard !reaped else { return false }
            return kill(-pid, signal) == 0
        }
    }

    /// Takes ownership of the write end of the module's stdin (once; nil afterwards).
    func takeStandardInput() -> Int32? {
        pipes.withLock { pipes in
            defer { pipes.stdin = nil }
            return pipes.stdin
        }
    }

    /// Takes ownership of the read end of the module's stdout (once; nil afterwards).
    func takeStandardOutput() -> Int32? {
        pipes.withLock { pipes in
            defer { pipes.stdout = nil }
            return pipes.stdout
        }
    }

    /// Closes the module's stdin if no connection owns it (end of stdin means "shut down").
    func closeStandardInput() {
        if let fd = takeStandardInput() { close(fd) }
    }

    /// Stops the module (spec section 7, after the connection has written SHUTDOWN): closes
    /// stdin if this object still owns it, waits `grace` seconds, sends SIGTERM to the process
    /// group, waits `grace` again, then SIGKILL; always waits for the reap.
    /// - Returns: how the module ended.
    @discardableResult
    public func terminate(grace: Double) async -> ExitStatus {
        closeStandardInput()
        if let status = await waitForExit(timeout: grace) { return status }
        signalGroup(SIGTERM)
        if let status = await waitForExit(timeout: grace) { return status }
        signalGroup(SIGKILL)
        return await waitForExit()
    }

    private func watchExit() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 {
            if errno != EINTR { break }
        }
        let status = reaped.withLock { reaped -> Int32 in
            // The zombie still holds the group id: clean up leftovers of the group, then reap.
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                if errno != EINTR { break }
            }
            reaped = true
            return status
        }
        exit.fulfill(ExitStatus(waitStatus: status))
    }

    // MARK: - Helpers

    private static func makePipe() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [0, 0]
        guard mice_pipe_cloexec(&fds) == 0 else { return nil }
        // posix_spawn dup2s these onto 0, 1 and 2; a source fd below 3 would alias a target.
        for index in 0..<2 where fds[index] < 3 {
            let moved = fcntl(fds[index], F_DUPFD_CLOEXEC, 3)
            close(fds[index])
            fds[index] = moved
        }
        guard fds[0] >= 3, fds[1] >= 3 else { return nil }
        return (fds[0], fds[1])
    }

    private static func makeDirectories(_ path: String) {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            _ = mkdir(current, 0o700)
        }
    }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
