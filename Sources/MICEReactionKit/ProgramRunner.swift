// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import CMICESpawn

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program for a reaction module: posix_spawn with an argv (never a shell, no PATH
/// search), stdin from /dev/null, stdout and stderr collected (up to 64 KiB), in the module's
/// process group so that the daemon's wall-clock kill reaches it too.
public enum ProgramRunner {
    /// How the program ended.
    public struct Result: Sendable, Hashable {
        /// The exit status (0–255), or 128 + signal number, or -1 when it could not be started.
        public var status: Int32
        /// stdout and stderr, interleaved.
        public var output: String

        /// Creates a result.
        public init(status: Int32, output: String) {
            self.status = status
            self.output = output
        }

        /// Whether it exited with status 0.
        public var succeeded: Bool { status == 0 }
    }

    /// The environment programs get.
    public static let environment = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"]

    /// Runs `path` with `arguments`.
    /// - Parameters:
    ///   - path: An absolute path.
    ///   - arguments: argv[1...].
    /// - Returns: The result.
    public static func run(_ path: String, _ arguments: [String]) -> Result {
        var pipe: [Int32] = [-1, -1]
        guard mice_pipe_cloexec(&pipe) == 0 else { return Result(status: -1, output: "pipe failed") }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if null >= 0 { close(null) } }
        var pid: pid_t = 0
        let argv = [path] + arguments
        let rc = withCStrings(argv) { argv in
            withCStrings(environment) { envp in
                let fds: [Int32] = [null, pipe[1], pipe[1]]
                return mice_spawn_fds(path, argv, envp, "/", fds, 3, 0, &pid)
            }
        }
        close(pipe[1])
        guard rc == 0 else {
            close(pipe[0])
            return Result(status: -1, output: "cannot start \(path): \(String(cString: strerror(rc)))")
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(pipe[0], $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            if output.count < 65536 { output += buffer[0..<count] }
        }
        close(pipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Result(status: exit, output: String(decoding: output, as: UTF8.self))
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R)
        -> R
    {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
