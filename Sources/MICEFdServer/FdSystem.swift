// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#endif

/// C library helpers shared by the fd server's files.
enum FdSystem {
    /// strerror text for an errno value.
    static func message(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// The target of a symbolic link (used on /proc/self/fd/N), or nil.
    static func readLink(_ path: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = buffer.withUnsafeMutableBytes {
            readlink(path, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count - 1)
        }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// realpath(3): the canonical absolute path, or nil and the errno.
    static func realPath(_ path: String) -> (String?, Int32) {
        guard let resolved = realpath(path, nil) else { return (nil, errno) }
        defer { free(resolved) }
        return (String(cString: resolved), 0)
    }
}
