// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Why a packet could not be decoded (counted in ``PacketCounters``; the packet is not delivered).
public enum UndecodableReason: Int, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// The capture's link type is not one ``PacketDecoder`` reads.
    case unsupportedLinkType
    /// Fewer bytes than the link header (Ethernet 14, SLL 16, SLL2 20, loopback 4).
    case truncatedLinkHeader
    /// An 802.1Q/802.1ad tag cut short, or more than four nested tags.
    case badVLANTag
    /// An IP version nibble that does not match the link layer's protocol (or neither 4 nor 6 on raw IP).
    case badIPVersion
    /// Fewer bytes than the IPv4 header length (20, or the IHL).
    case truncatedIPv4Header
    /// An IHL below 5.
    case badIPv4HeaderLength
    /// A total length field below the header length.
    case badIPv4TotalLength
    /// A fragment that cannot be part of any datagram (more-fragments with a length that is not a
    /// multiple of 8, no payload, or an end beyond 65,535).
    case badFragment
    /// Fewer than 40 bytes for the IPv6 header.
    case truncatedIPv6Header
    /// Fewer bytes than the TCP header (20, or its data offset).
    case truncatedTCPHeader
    /// A TCP data offset below 5.
    case badTCPDataOffset
    /// Fewer than 8 bytes for the UDP header.
    case truncatedUDPHeader
    /// A UDP length field below 8.
    case badUDPLength
    /// Fewer than 8 bytes for the ICMP header.
    case truncatedICMPHeader

    public var description: String {
        switch self {
        case .unsupportedLinkType: return "unsupported link type"
        case .truncatedLinkHeader: return "truncated link header"
        case .badVLANTag: return "bad VLAN tag"
        case .badIPVersion: return "bad IP version"
        case .truncatedIPv4Header: return "truncated IPv4 header"
        case .badIPv4HeaderLength: return "bad IPv4 header length"
        case .badIPv4TotalLength: return "bad IPv4 total length"
        case .badFragment: return "bad fragment"
        case .truncatedIPv6Header: return "truncated IPv6 header"
        case .truncatedTCPHeader: return "truncated TCP header"
        case .badTCPDataOffset: return "bad TCP data offset"
        case .truncatedUDPHeader: return "truncated UDP header"
        case .badUDPLength: return "bad UDP length"
        case .truncatedICMPHeader: return "truncated ICMP header"
        }
    }
}
