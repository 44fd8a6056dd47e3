// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The first eight bytes of an ICMP message.
public struct ICMPHeader: Hashable, Sendable {
    /// Type (0 echo reply, 3 unreachable, 8 echo request, 11 time exceeded, ...).
    public var type: UInt8
    public var code: UInt8
    /// Checksum as stored (not verified).
    public var checksum: UInt16
    /// Bytes 4-5: the identifier of an echo, timestamp or information message (meaningless for others).
    public var identifier: UInt16
    /// Bytes 6-7: the sequence number of an echo, timestamp or information message.
    public var sequence: UInt16

    public init(type: UInt8, code: UInt8, checksum: UInt16, identifier: UInt16, sequence: UInt16) {
        self.type = type
        self.code = code
        self.checksum = checksum
        self.identifier = identifier
        self.sequence = sequence
    }

    /// Echo request (type 8).
    public static let echoRequest: UInt8 = 8
    /// Echo reply (type 0).
    public static let echoReply: UInt8 = 0

    /// Whether this is an echo request or reply (identifier and sequence are meaningful).
    public var isEcho: Bool { type == Self.echoRequest || type == Self.echoReply }
}
