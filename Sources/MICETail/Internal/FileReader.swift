// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#endif

/// One open log file (an inode), its read offset and the partial line not yet terminated.
final class FileReader {
    let fd: Int32
    let identity: FileIdentity
    /// FIFOs and character devices: read with `read`, no offsets, no size checks.
    let isStream: Bool
    /// The next byte to read (bytes read so far for streams).
    var offset: UInt64
    /// The partial line (at most the maximum line length).
    var pending: [UInt8] = []
    /// Whether the partial line was longer than the maximum (the excess was skipped).
    var pendingOverflow = false
    /// When the file last gave bytes (or was opened, or retired).
    var lastActivity: ContinuousClock.Instant
    /// A stream reached its end (no writer left).
    var reachedEnd = false
    private var isClosed = false

    init(fd: Int32, identity: FileIdentity, isStream: Bool, offset: UInt64) {
        self.fd = fd
        self.identity = identity
        self.isStream = isStream
        self.offset = offset
        lastActivity = .now
    }

    var hasPending: Bool { !pending.isEmpty || pendingOverflow }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }

    deinit { close() }
}
