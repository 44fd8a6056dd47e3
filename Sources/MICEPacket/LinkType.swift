// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A capture's data link type: the libpcap `DLT_` value (as `pcap_datalink` reports it), which is
/// also the `LINKTYPE_` value written in pcap files for every type this module decodes, except
/// raw IP (`LINKTYPE_RAW` 101 in files is `DLT_RAW` 12 here; 14, OpenBSD's `DLT_RAW`, is decoded too).
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// BSD loopback: a 4-byte address family in the capturing host's byte order.
    public static let null = LinkType(rawValue: 0)
    /// Ethernet II (and 802.3 frames, counted as non-IP), with 802.1Q/802.1ad VLAN tags.
    public static let ethernet = LinkType(rawValue: 1)
    /// Raw IPv4 or IPv6, the version nibble decides (`DLT_RAW` on Linux and most systems).
    public static let raw = LinkType(rawValue: 12)
    /// Raw IP as OpenBSD numbers it.
    public static let rawOpenBSD = LinkType(rawValue: 14)
    /// `LINKTYPE_RAW` as stored in files (libpcap reports it as ``raw``).
    public static let linktypeRaw = LinkType(rawValue: 101)
    /// OpenBSD loopback: like ``null`` but the family is big-endian.
    public static let loop = LinkType(rawValue: 108)
    /// Linux cooked capture v1 (`any` interface): 16-byte header.
    public static let linuxSLL = LinkType(rawValue: 113)
    /// Raw IPv4 only.
    public static let ipv4 = LinkType(rawValue: 228)
    /// Raw IPv6 only.
    public static let ipv6 = LinkType(rawValue: 229)
    /// Linux cooked capture v2: 20-byte header.
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// Whether ``PacketDecoder`` understands this link type (others are counted as undecodable).
    public var isSupported: Bool {
        switch self {
        case .null, .ethernet, .raw, .rawOpenBSD, .linktypeRaw, .loop, .linuxSLL, .ipv4, .ipv6, .linuxSLL2: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .ethernet: return "EN10MB"
        case .raw, .rawOpenBSD, .linktypeRaw: return "RAW"
        case .loop: return "LOOP"
        case .linuxSLL: return "LINUX_SLL"
        case .ipv4: return "IPV4"
        case .ipv6: return "IPV6"
        case .linuxSLL2: return "LINUX_SLL2"
        default: return "DLT \(rawValue)"
        }
    }
}
