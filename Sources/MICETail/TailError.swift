// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A failure of the log tailer or its position store.
///
/// Extensible in the ServiceLifecycle style: new codes can be added without breaking callers.
public struct TailError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case openFailed, threadStart, positionsUnreadable, positionsCorrupt, positionsWriteFailed, alreadyStarted
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A log file could not be opened (``TailError/errno`` says why).
        public static let openFailed = Code(.openFailed)
        /// The reader thread (or its wake-up pipe) could not be created.
        public static let threadStart = Code(.threadStart)
        /// The position file exists but cannot be read.
        public static let positionsUnreadable = Code(.positionsUnreadable)
        /// The position file is not a position file of this version.
        public static let positionsCorrupt = Code(.positionsCorrupt)
        /// The position file could not be written (it is left as it was).
        public static let positionsWriteFailed = Code(.positionsWriteFailed)
        /// ``FileTailer/start()`` was called twice.
        public static let alreadyStarted = Code(.alreadyStarted)

        public var description: String {
            switch base {
            case .openFailed: return "cannot open"
            case .threadStart: return "cannot start the reader thread"
            case .positionsUnreadable: return "position file unreadable"
            case .positionsCorrupt: return "position file corrupt"
            case .positionsWriteFailed: return "position file not written"
            case .alreadyStarted: return "already started"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The file concerned (a log file or the position file).
    public var path: String
    /// The C library's error number, when a system call failed.
    public var errno: Int32?
    /// Human-readable detail.
    public var detail: String

    public init(_ code: Code, path: String, errno: Int32? = nil, _ detail: String = "") {
        self.code = code
        self.path = path
        self.errno = errno
        self.detail = detail
    }

    public var description: String {
        var text = "\(path): \(code)"
        if !detail.isEmpty { text += ": \(detail)" }
        if let errno { text += " (errno \(errno): \(SystemError.message(errno)))" }
        return text
    }
}
