// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#endif

/// Whole-file writes that readers never see half done: a temporary file beside the target,
/// fsync, rename over the target.
public enum AtomicFile {
    /// Replaces `path` with `bytes` (mode 0644).
    /// - Throws: ``BufferDaemonError`` (writeFailed) naming the path and errno.
    public static func write(_ bytes: [UInt8], to path: String, sync: Bool = true) throws(BufferDaemonError) {
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("open", temporary) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                let error = failure("write", temporary)
                close(fd)
                unlink(temporary)
                throw error
            }
            written += count
        }
        if sync, fsync(fd) != 0 {
            let error = failure("fsync", temporary)
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = failure("rename", path)
            unlink(temporary)
            throw error
        }
    }

    private static func failure(_ call: String, _ path: String) -> BufferDaemonError {
        BufferDaemonError(.writeFailed, file: path, "\(call): \(String(cString: strerror(errno)))")
    }
}
