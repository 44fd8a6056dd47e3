// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Counters of a ``FileTailer`` since it started.
public struct TailStatistics: Sendable, Hashable {
    /// Lines handed to the consumer.
    public var lines: UInt64 = 0
    /// Bytes read from files.
    public var bytes: UInt64 = 0
    /// Lines longer than the maximum, cut to it.
    public var truncatedLines: UInt64 = 0
    /// Final lines without newline emitted at rotation, truncation or deletion.
    public var unterminatedLines: UInt64 = 0
    /// Files that left their path (renamed away or deleted: rotation) while open.
    public var rotations: UInt64 = 0
    /// Files that shrank below the read offset (copytruncate) and were read again from 0.
    public var truncations: UInt64 = 0
    /// Failed attempts to open a file that exists.
    public var openFailures: UInt64 = 0
    /// Failed reads.
    public var readErrors: UInt64 = 0
    /// Files open at their configured path now (rotated files being finished not counted).
    public var openFiles = 0
    /// Completed sweeps over every path (the first one opens the files).
    public var sweeps: UInt64 = 0
    /// Whether the tailer polls (by configuration, or because inotify was unavailable).
    public var isPolling = false

    public init() {}
}
