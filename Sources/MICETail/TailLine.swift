// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEConfig

/// One complete line read from a followed file.
///
/// The bytes are exactly the file's (NUL bytes and invalid UTF-8 included), without the newline.
/// A line is only emitted once its newline has arrived, except at rotation, truncation or
/// deletion, when a final line without newline is emitted with ``isTerminated`` false.
public struct TailLine: Sendable, Hashable {
    /// The followed path (as configured, also for a rotated file still being finished).
    public var path: String
    /// The type tag of the file's FILE entry.
    public var tag: LogFileTag
    /// The line's bytes without the newline; at most the configured maximum.
    public var content: [UInt8]
    /// Whether the line ended with a newline in the file.
    public var isTerminated: Bool
    /// Whether the line was longer than the maximum and was cut (the rest was skipped).
    public var isTruncated: Bool
    /// Where the line ends in its file; save it (``TailPositions/update(_:)``) once the line is
    /// safely handed on.
    public var position: TailPosition

    public init(
        path: String, tag: LogFileTag, content: [UInt8], isTerminated: Bool, isTruncated: Bool,
        position: TailPosition
    ) {
        self.path = path
        self.tag = tag
        self.content = content
        self.isTerminated = isTerminated
        self.isTruncated = isTruncated
        self.position = position
    }

    /// The original `FTF_*` value for a record's `uiFileType`.
    public var fileType: UInt32 { tag.fileTypeFlag }

    /// The line as it was in the file: ``content`` plus the newline when there was one.
    public var bytes: [UInt8] { isTerminated ? content + [UInt8(ascii: "\n")] : content }
}
