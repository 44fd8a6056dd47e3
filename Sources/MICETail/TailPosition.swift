// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Which file a position is in: the device and inode numbers (stable across renames).
public struct FileIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `st_dev`.
    public var device: UInt64
    /// `st_ino`.
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    public var description: String { "\(device):\(inode)" }
}

/// A place in a log file: the file's identity and the byte offset just after a line.
///
/// Reading again from a line's position starts with the next line.
public struct TailPosition: Sendable, Hashable, CustomStringConvertible {
    /// The file (device and inode).
    public var identity: FileIdentity
    /// The byte offset after the line (after its newline). For FIFOs and character devices it
    /// counts the bytes read since the tailer opened them and is not used to resume.
    public var offset: UInt64

    public init(identity: FileIdentity, offset: UInt64) {
        self.identity = identity
        self.offset = offset
    }

    public var description: String { "\(identity)@\(offset)" }
}
