// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

#if canImport(CoreFoundation)
import CoreFoundation
#endif
#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
private let systemWrite = Darwin.write
#endif

/// Small POSIX file helpers for the PKI folder: whole-file reads, atomic writes with a fixed mode,
/// modes, an exclusive lock.
enum PKIFile {
    /// The status of a file, or nil when it does not exist.
    struct Status: Hashable, Sendable {
        var mode: UInt32
        var size: Int64
        var modified: Int64
        var modifiedNanoseconds: Int64
    }

    static func status(_ path: String) throws(TLSError) -> Status? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw TLSError(.fileUnreadable, "cannot stat", path: path, errno: code)
        }
        return Status(
            mode: UInt32(info.st_mode) & 0o7777, size: Int64(info.st_size), modified: Int64(info.st_mtim.tv_sec),
            modifiedNanoseconds: Int64(info.st_mtim.tv_nsec))
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The whole file; a missing file is ``TLSError/Code/fileMissing``.
    static func read(_ path: String, limit: Int = 1 << 22) throws(TLSError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw TLSError(.fileMissing, "no such file", path: path) }
            throw TLSError(.fileUnreadable, "cannot open", path: path, errno: code)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw TLSError(.fileUnreadable, "read failed", path: path, errno: errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= limit else {
                throw TLSError(.fileUnreadable, "larger than \(limit) bytes", path: path)
            }
        }
        return bytes
    }

    static func readText(_ path: String) throws(TLSError) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Writes `bytes` to a temporary file with `mode` (whatever the umask), syncs it and renames it
    /// over `path`.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(TLSError) {
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw TLSError(.fileUnwritable, "cannot create", path: temporary, errno: errno) }
        var failure: TLSError?
        if fchmod(fd, mode) != 0 {
            failure = TLSError(.fileUnwritable, "cannot set mode", path: temporary, errno: errno)
        }
        var offset = 0
        while failure == nil && offset < bytes.count {
            let count = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                failure = TLSError(.fileUnwritable, "write failed", path: temporary, errno: errno)
            } else {
                offset += count
            }
        }
        if failure == nil && fsync(fd) != 0 {
            failure = TLSError(.fileUnwritable, "fsync failed", path: temporary, errno: errno)
        }
        close(fd)
        if failure == nil && rename(temporary, path) != 0 {
            failure = TLSError(.fileUnwritable, "cannot rename into place", path: path, errno: errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }

    static func write(_ text: String, to path: String, mode: mode_t) throws(TLSError) {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    /// Creates a folder (and its parents) with `mode`; an existing folder keeps its mode.
    static func makeDirectory(_ path: String, mode: mode_t) throws(TLSError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw TLSError(.fileUnwritable, "cannot create folder", path: current, errno: errno)
            }
        }
        if chmod(path, mode) != 0 { throw TLSError(.fileUnwritable, "cannot set mode", path: path, errno: errno) }
    }

    /// Runs `body` holding an exclusive `flock` on `path` (created 0600).
    static func withLock<T>(_ path: String, _ body: () throws(TLSError) -> T) throws(TLSError) -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TLSError(.fileUnwritable, "cannot open the lock file", path: path, errno: errno) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw TLSError(.fileUnwritable, "cannot lock", path: path, errno: errno) }
        }
        return try body()
    }
}
