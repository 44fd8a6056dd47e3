// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import MICEWire

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File-system helpers of ``DiskSpool``: directory, lock, identity, segment names.
enum SpoolFiles {
    static let segmentPrefix = "segment-"
    static let segmentSuffix = ".spool"

    static func segmentName(first: UInt64) -> String {
        let digits = String(first)
        return segmentPrefix + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + segmentSuffix
    }

    /// Creates `path` and its parents with mode 0700 when missing.
    static func makeDirectory(_ path: String) throws {
        var status = stat()
        if stat(path, &status) == 0 {
            guard (status.st_mode & S_IFMT) == S_IFDIR else {
                throw LinkError(.spoolUnavailable, "the spool path exists and is not a directory", path: path)
            }
            return
        }
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw LinkError(.spoolUnavailable, "cannot create the spool directory", path: prefix, errno: errno)
            }
        }
    }

    /// Opens and locks `path` exclusively; fails when another process holds the lock.
    static func lock(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LinkError(.spoolUnavailable, "cannot open the lock file", path: path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            _ = close(fd)
            throw LinkError(.spoolUnavailable, "the spool is in use by another process", path: path, errno: error)
        }
        return fd
    }

    /// Reads the spool's sender identity, making a random one the first time.
    static func senderID(in directory: String) throws -> String {
        let path = directory + "/sender-id"
        if let bytes = try? readWhole(path) {
            let text = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
            if !text.isEmpty, text.count <= 128 { return text }
        }
        var generator = SystemRandomNumberGenerator()
        let identity = (0..<4).map { _ in hex(generator.next() as UInt32) }.joined()
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LinkError(.spoolUnavailable, "cannot write the sender id", path: path, errno: errno)
        }
        let line = Array((identity + "\n").utf8)
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        _ = fsync(fd)
        _ = close(fd)
        guard written == line.count, rename(temporary, path) == 0 else {
            throw LinkError(.spoolUnavailable, "cannot write the sender id", path: path, errno: errno)
        }
        syncDirectory(directory)
        return identity
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// The names of segment files in `directory` with the first sequence number each name carries.
    static func segmentNames(in directory: String) throws -> [(name: String, first: UInt64)] {
        guard let handle = opendir(directory) else {
            throw LinkError(.spoolUnavailable, "cannot list the spool directory", path: directory, errno: errno)
        }
        defer { closedir(handle) }
        var result: [(String, UInt64)] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix(segmentPrefix), name.hasSuffix(segmentSuffix) else { continue }
            let digits = name.dropFirst(segmentPrefix.count).dropLast(segmentSuffix.count)
            guard let first = UInt64(digits), first > 0 else { continue }
            result.append((name, first))
        }
        return result
    }

    /// The whole content of the file at `path`.
    static func readWhole(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LinkError(.spoolIO, "cannot open", path: path, errno: errno) }
        defer { _ = close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                throw LinkError(.spoolIO, "cannot read", path: path, offset: UInt64(bytes.count), errno: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    private static let checkpointMagic: [UInt8] = Array("CKP1".utf8)

    /// Replaces the `checkpoint` file atomically (temporary file, `fsync`, rename, directory sync).
    static func writeCheckpoint(_ checkpoint: [UInt8], in directory: String) throws {
        var bytes = checkpointMagic
        bytes.appendBigEndian(UInt32(checkpoint.count))
        bytes.appendBigEndian(CRC32.checksum(checkpoint))
        bytes.append(contentsOf: checkpoint)
        let path = directory + "/checkpoint"
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LinkError(.spoolIO, "cannot create", path: temporary, errno: errno) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                let error = errno
                _ = close(fd)
                throw LinkError(.spoolIO, "cannot write", path: temporary, errno: error)
            }
            written += result
        }
        let synced = fsync(fd) == 0
        _ = close(fd)
        guard synced, rename(temporary, path) == 0 else {
            throw LinkError(.spoolIO, "cannot replace the checkpoint", path: path, errno: errno)
        }
        syncDirectory(directory)
    }

    /// The checkpoint in the `checkpoint` file; nil when there is none or it fails its check (logged).
    static func readCheckpoint(in directory: String, logger: Logger) throws -> [UInt8]? {
        let path = directory + "/checkpoint"
        guard access(path, F_OK) == 0 else { return nil }
        let bytes = try readWhole(path)
        guard bytes.count >= 12, Array(bytes[0..<4]) == checkpointMagic,
            Int(bytes.loadBigEndian(UInt32.self, at: 4)) == bytes.count - 12,
            bytes.loadBigEndian(UInt32.self, at: 8) == CRC32.checksum(bytes[12...])
        else {
            logger.error("spool checkpoint file fails its check; ignored", metadata: ["spool.path": "\(path)"])
            return nil
        }
        return Array(bytes[12...])
    }

    /// Closes a descriptor (a free function here, where no `close` method hides it).
    static func closeDescriptor(_ fd: Int32) {
        _ = close(fd)
    }

    /// Makes a file creation or rename in `directory` durable.
    static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            _ = close(fd)
        }
    }
}

extension [UInt8] {
    /// Appends `value` as 8 big-endian bytes.
    mutating func appendBigEndian64(_ value: UInt64) {
        appendBigEndian(UInt32(truncatingIfNeeded: value >> 32))
        appendBigEndian(UInt32(truncatingIfNeeded: value))
    }

    /// Reads a big-endian integer at `offset`.
    func loadBigEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        withUnsafeBytes { T(bigEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }
}
