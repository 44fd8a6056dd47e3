// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An error in the frame stream between the host and a module (or between two daemons).
///
/// Extensible in the ServiceLifecycle style: new codes can be added without breaking callers.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case frameTooLarge, truncatedFrame, badHeader, unknownFrameType, badPayload, nonProtocolOutput
            case versionMismatch
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A header announced a payload above the negotiated limit; nothing was allocated for it.
        public static let frameTooLarge = Code(.frameTooLarge)
        /// The stream ended inside a frame.
        public static let truncatedFrame = Code(.truncatedFrame)
        /// A header field that must be zero was not (reserved flags).
        public static let badHeader = Code(.badHeader)
        /// A frame type that this side cannot accept here.
        public static let unknownFrameType = Code(.unknownFrameType)
        /// A payload that does not decode as its frame type requires.
        public static let badPayload = Code(.badPayload)
        /// The peer's first bytes were not a HELLO frame.
        public static let nonProtocolOutput = Code(.nonProtocolOutput)
        /// No protocol version in common.
        public static let versionMismatch = Code(.versionMismatch)

        public var description: String {
            switch base {
            case .frameTooLarge: return "frame too large"
            case .truncatedFrame: return "truncated frame"
            case .badHeader: return "bad frame header"
            case .unknownFrameType: return "unexpected frame type"
            case .badPayload: return "bad payload"
            case .nonProtocolOutput: return "non-protocol output"
            case .versionMismatch: return "protocol version mismatch"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// Human-readable detail: sizes, offsets, the bytes seen.
    public var detail: String
    /// Byte offset in the stream where the problem was found, when known.
    public var offset: UInt64?

    public init(_ code: Code, _ detail: String, offset: UInt64? = nil) {
        self.code = code
        self.detail = detail
        self.offset = offset
    }

    public var description: String {
        if let offset { return "\(code) at byte offset \(offset): \(detail)" }
        return "\(code): \(detail)"
    }
}
