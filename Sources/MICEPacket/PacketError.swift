// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An error opening, filtering, reading or writing packets.
///
/// Bad packets inside a readable capture are never errors: the decoder counts them by
/// ``UndecodableReason``. This error is for what stops a source or a writer: a missing or
/// damaged capture file, an interface that cannot be opened, a BPF expression that does not
/// compile, a write that fails.
public struct PacketError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case openFailed, activateFailed, badFilter, readFailed, writeFailed, unsupportedLinkType
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The capture file or interface could not be opened (missing, unreadable, not a capture).
        public static let openFailed = Code(.openFailed)
        /// A live capture could not be activated (no such interface, no permission, bad option).
        public static let activateFailed = Code(.activateFailed)
        /// The BPF filter expression did not compile or could not be installed.
        public static let badFilter = Code(.badFilter)
        /// Reading the next packet failed (a truncated or damaged capture file, a dead interface).
        public static let readFailed = Code(.readFailed)
        /// Writing a capture file failed.
        public static let writeFailed = Code(.writeFailed)
        /// The writer was asked for a link type it does not write.
        public static let unsupportedLinkType = Code(.unsupportedLinkType)

        public var description: String {
            switch base {
            case .openFailed: return "cannot open capture"
            case .activateFailed: return "cannot activate capture"
            case .badFilter: return "bad BPF filter"
            case .readFailed: return "cannot read packet"
            case .writeFailed: return "cannot write capture"
            case .unsupportedLinkType: return "unsupported link type"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The capture file path or the interface name (`interface NAME`).
    public var source: String
    /// Detail: libpcap's message, the filter expression, the system error.
    public var detail: String
    /// The 1-based number of the packet that could not be read, when known.
    public var packetNumber: UInt64?
    /// The byte offset in the capture file where reading stopped, when known.
    public var byteOffset: UInt64?

    public init(
        _ code: Code, source: String, _ detail: String, packetNumber: UInt64? = nil, byteOffset: UInt64? = nil
    ) {
        self.code = code
        self.source = source
        self.detail = detail
        self.packetNumber = packetNumber
        self.byteOffset = byteOffset
    }

    public var description: String {
        var text = "\(code): \(source)"
        if let packetNumber { text += ", packet \(packetNumber)" }
        if let byteOffset { text += ", byte offset \(byteOffset)" }
        return text + ": " + detail
    }
}
