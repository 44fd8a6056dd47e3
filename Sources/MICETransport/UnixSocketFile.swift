// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The socket file of a Unix-socket listener: stale-file removal and a mode set without races.
///
/// The original bound the path under `umask(0)`, so the socket was world-writable, and did not
/// remove a stale file, so a restart failed. Here a listener binds inside a fresh private directory
/// (mode 0700, so nobody but the owner can reach the socket there), sets the socket's mode with
/// `chmod`, and only then renames it to its final path: no window in which the socket is reachable
/// with a umask-dependent mode.
enum UnixSocketFile {
    /// Removes a stale socket file at `path`: a socket nobody listens on.
    /// - Throws: ``LinkError/Code/bindFailed`` when the path is a live socket or not a socket at all.
    static func removeStale(_ path: String) throws {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        guard (status.st_mode & S_IFMT) == S_IFSOCK else {
            throw LinkError(.bindFailed, "the socket path exists and is not a socket; not removing it", path: path)
        }
        if isListening(path) {
            throw LinkError(.bindFailed, "another process is listening on this socket", path: path)
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw LinkError(.bindFailed, "cannot remove the stale socket file", path: path, errno: errno)
        }
    }

    /// Whether a process accepts connections on the socket at `path`.
    static func isListening(_ path: String) -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { _ = close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    /// A fresh private directory (0700) beside `path`, to bind in; nil when its socket path would be too long.
    static func makePrivateDirectory(beside path: String) throws -> String? {
        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        var generator = SystemRandomNumberGenerator()
        let name = ".mice-" + String(generator.next() as UInt32, radix: 36)
        let directory = (path.contains("/") ? parent : ".") + "/" + name
        guard (directory + "/s").utf8.count < 104 else { return nil }
        guard mkdir(directory, 0o700) == 0 else {
            throw LinkError(.bindFailed, "cannot create a private directory to bind in", path: directory, errno: errno)
        }
        return directory
    }

    /// Sets `mode` on the socket at `temporary` and renames it to `path`.
    static func publish(_ temporary: String, at path: String, mode: UInt16) throws {
        guard chmod(temporary, mode_t(mode)) == 0 else {
            throw LinkError(.bindFailed, "cannot set the socket's mode", path: temporary, errno: errno)
        }
        guard rename(temporary, path) == 0 else {
            throw LinkError(.bindFailed, "cannot move the socket into place", path: path, errno: errno)
        }
    }

    /// Removes the socket file and the private directory, ignoring what is already gone.
    static func remove(_ path: String) {
        _ = unlink(path)
    }

    static func removeDirectory(_ path: String) {
        _ = unlink(path + "/s")
        _ = rmdir(path)
    }
}
