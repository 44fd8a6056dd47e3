// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#endif

/// How the tailer opens a log file: a function from path to a readable file descriptor.
///
/// ``direct`` opens it in this process; the DataForwarder instead asks its privileged fd server
/// (`FdClient.open`), so that the tailer never needs root. The tailer owns and closes every
/// descriptor it gets.
public struct FileOpener: Sendable {
    /// Opens `path` read-only and returns the descriptor, or throws.
    public var open: @Sendable (String) throws -> Int32

    public init(_ open: @escaping @Sendable (String) throws -> Int32) {
        self.open = open
    }

    /// `open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)` in this process.
    public static let direct = FileOpener { path in
        let fd = Glibc.open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw TailError(.openFailed, path: path, errno: errno) }
        return fd
    }
}
