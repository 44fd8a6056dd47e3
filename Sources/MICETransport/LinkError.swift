// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An error of a link (``LinkServer``, ``LinkClient``) or of its ``DiskSpool``.
///
/// Extensible in the ServiceLifecycle style: new codes can be added without breaking callers.
public struct LinkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case spoolUnavailable, spoolIO, recordSize, recordTooLarge, closed, handshakeFailed
            case protocolViolation, bindFailed, badEndpoint, shutdownTimeout
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The spool directory cannot be created, opened or locked (another process uses it).
        public static let spoolUnavailable = Code(.spoolUnavailable)
        /// Reading or writing a spool file failed (disk full, I/O error).
        public static let spoolIO = Code(.spoolIO)
        /// A record does not have the link's record size.
        public static let recordSize = Code(.recordSize)
        /// A record can never fit in the spool (larger than its whole size limit).
        public static let recordTooLarge = Code(.recordTooLarge)
        /// The client or spool was closed.
        public static let closed = Code(.closed)
        /// The peer refused the link (ERROR frame) or answered LINK_HELLO wrongly.
        public static let handshakeFailed = Code(.handshakeFailed)
        /// The peer broke the link protocol (bad frame, wrong record size, bad sequence number).
        public static let protocolViolation = Code(.protocolViolation)
        /// The listener could not be set up (address in use, path exists and is no socket).
        public static let bindFailed = Code(.bindFailed)
        /// A host, port or socket path that cannot be used.
        public static let badEndpoint = Code(.badEndpoint)
        /// A wait for acknowledgements ran past its deadline.
        public static let shutdownTimeout = Code(.shutdownTimeout)

        public var description: String {
            switch base {
            case .spoolUnavailable: return "spool unavailable"
            case .spoolIO: return "spool I/O error"
            case .recordSize: return "wrong record size"
            case .recordTooLarge: return "record too large for the spool"
            case .closed: return "closed"
            case .handshakeFailed: return "link handshake failed"
            case .protocolViolation: return "link protocol violation"
            case .bindFailed: return "cannot listen"
            case .badEndpoint: return "bad endpoint"
            case .shutdownTimeout: return "timed out"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// Human-readable detail.
    public var detail: String
    /// The file or socket path concerned, when there is one.
    public var path: String?
    /// Byte offset in the file or stream, when known.
    public var offset: UInt64?
    /// The `errno` of the failed system call, when there was one.
    public var errno: Int32?

    public init(_ code: Code, _ detail: String, path: String? = nil, offset: UInt64? = nil, errno: Int32? = nil) {
        self.code = code
        self.detail = detail
        self.path = path
        self.offset = offset
        self.errno = errno
    }

    public var description: String {
        var text = "\(code): \(detail)"
        if let path { text += " (\(path)" + (offset.map { " at byte offset \($0)" } ?? "") + ")" }
        if let errno { text += " [errno \(errno)]" }
        return text
    }
}
