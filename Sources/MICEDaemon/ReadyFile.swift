// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

/// Files a daemon writes for its supervisor and for tests: the ready file (written once, when the
/// daemon serves) and the stats file (rewritten). Both are replaced atomically, so a reader never
/// sees half a file.
public enum ReadyFile {
    /// Writes `contents` as one line of JSON to `path` (temporary file in the same folder, then rename).
    /// - Throws: ``DaemonError`` with code ``DaemonError/Code/fileWrite`` naming the path.
    public static func write(path: String, contents: JSONValue) throws(DaemonError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes: [UInt8]
        do {
            bytes = Array(try encoder.encode(contents)) + [UInt8(ascii: "\n")]
        } catch {
            throw DaemonError(.fileWrite, "\(path): \(error)")
        }
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DaemonError(.fileWrite, "\(temporary): \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let message = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw DaemonError(.fileWrite, "\(temporary): \(message)")
            }
            written += count
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw DaemonError(.fileWrite, "\(path): \(message)")
        }
    }
}
