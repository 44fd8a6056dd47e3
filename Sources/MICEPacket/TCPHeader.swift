// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The fields of a TCP header, copied out of the packet (options stay in the buffer).
public struct TCPHeader: Hashable, Sendable {
    /// The TCP flag bits (byte 13, plus NS from byte 12 as bit 8).
    public struct Flags: OptionSet, Hashable, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public static let fin = Flags(rawValue: 0x01)
        public static let syn = Flags(rawValue: 0x02)
        public static let rst = Flags(rawValue: 0x04)
        public static let psh = Flags(rawValue: 0x08)
        public static let ack = Flags(rawValue: 0x10)
        public static let urg = Flags(rawValue: 0x20)
        public static let ece = Flags(rawValue: 0x40)
        public static let cwr = Flags(rawValue: 0x80)
        public static let ns = Flags(rawValue: 0x100)
    }

    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequence: UInt32
    public var acknowledgment: UInt32
    /// Header length in bytes (the data offset field times four, 20 to 60).
    public var dataOffset: Int
    public var flags: Flags
    public var window: UInt16
    /// Checksum as stored (not verified).
    public var checksum: UInt16
    public var urgentPointer: UInt16

    public init(
        sourcePort: UInt16, destinationPort: UInt16, sequence: UInt32, acknowledgment: UInt32, dataOffset: Int,
        flags: Flags, window: UInt16, checksum: UInt16, urgentPointer: UInt16
    ) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequence = sequence
        self.acknowledgment = acknowledgment
        self.dataOffset = dataOffset
        self.flags = flags
        self.window = window
        self.checksum = checksum
        self.urgentPointer = urgentPointer
    }
}
