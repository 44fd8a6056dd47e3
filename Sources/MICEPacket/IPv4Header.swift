// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The fields of an IPv4 header, copied out of the packet.
public struct IPv4Header: Hashable, Sendable {
    /// Header length in bytes (the IHL field times four, 20 to 60).
    public var headerLength: Int
    /// Type of service (DSCP and ECN).
    public var tos: UInt8
    /// Total length field: header plus payload, as the sender claims.
    public var totalLength: UInt16
    /// Identification (fragments of one datagram share it).
    public var identification: UInt16
    /// The three flag bits (reserved, don't fragment, more fragments) as 0...7.
    public var flags: UInt8
    /// Fragment offset in 8-byte units.
    public var fragmentOffset: UInt16
    /// Time to live.
    public var ttl: UInt8
    /// The payload protocol (1 ICMP, 6 TCP, 17 UDP, ...).
    public var protocolNumber: UInt8
    /// Header checksum as stored (not verified).
    public var checksum: UInt16
    /// Source address.
    public var source: IPv4Address
    /// Destination address.
    public var destination: IPv4Address

    public init(
        headerLength: Int = 20, tos: UInt8 = 0, totalLength: UInt16 = 20, identification: UInt16 = 0, flags: UInt8 = 0,
        fragmentOffset: UInt16 = 0, ttl: UInt8 = 64, protocolNumber: UInt8 = 0, checksum: UInt16 = 0,
        source: IPv4Address = IPv4Address(rawValue: 0), destination: IPv4Address = IPv4Address(rawValue: 0)
    ) {
        self.headerLength = headerLength
        self.tos = tos
        self.totalLength = totalLength
        self.identification = identification
        self.flags = flags
        self.fragmentOffset = fragmentOffset
        self.ttl = ttl
        self.protocolNumber = protocolNumber
        self.checksum = checksum
        self.source = source
        self.destination = destination
    }

    /// The don't-fragment flag.
    public var dontFragment: Bool { flags & 0b010 != 0 }
    /// The more-fragments flag.
    public var moreFragments: Bool { flags & 0b001 != 0 }
    /// The fragment offset in bytes.
    public var fragmentByteOffset: Int { Int(fragmentOffset) * 8 }
    /// Whether this packet is a fragment (more fragments follow, or it does not start at offset 0).
    public var isFragment: Bool { moreFragments || fragmentOffset != 0 }
}
