// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// How a ``FileTailer`` watches and reads.
public struct TailConfiguration: Sendable {
    /// How changes are noticed.
    public enum Mode: Sendable, Hashable {
        /// inotify on the files' folders, plus a safety sweep every ``TailConfiguration/interval``;
        /// falls back to ``poll`` by itself when inotify is unavailable.
        case inotify
        /// A sweep over every file every ``TailConfiguration/interval``.
        case poll
    }

    /// Where reading starts in a file that has no saved position.
    public enum StartPosition: Sendable, Hashable {
        /// At the end: only lines written from now on (the original's behaviour).
        case end
        /// At the beginning.
        case beginning
    }

    /// How changes are noticed.
    public var mode: Mode = .inotify
    /// The poll period, and in inotify mode the period of the safety sweep.
    public var interval: Duration = .seconds(1)
    /// Longer lines are cut to this many bytes (and counted); the rest up to the newline is skipped.
    public var maxLineLength = 65536
    /// Where a file without a saved position is first read from. A file that appears, or
    /// replaces a rotated one, while the tailer runs is always read from its beginning.
    public var startAt: StartPosition = .end
    /// How long a rotated (renamed or deleted) file is still read after it last grew, for writers
    /// that have not reopened yet; then its final partial line is emitted and it is closed.
    public var rotationGrace: Duration = .seconds(5)
    /// Lines read ahead of the consumer before the reader thread waits.
    public var queueCapacity = 4096
    /// Opens the files.
    public var opener: FileOpener = .direct

    public init(
        mode: Mode = .inotify, interval: Duration = .seconds(1), maxLineLength: Int = 65536,
        startAt: StartPosition = .end, rotationGrace: Duration = .seconds(5), queueCapacity: Int = 4096,
        opener: FileOpener = .direct
    ) {
        self.mode = mode
        self.interval = interval
        self.maxLineLength = max(1, maxLineLength)
        self.startAt = startAt
        self.rotationGrace = rotationGrace
        self.queueCapacity = max(1, queueCapacity)
        self.opener = opener
    }
}
