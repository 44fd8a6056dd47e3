// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// What a ``PacketDecoder`` has seen.
///
/// Every captured packet lands in exactly one of ``ipv4``, ``ipv6``, ``nonIP`` and
/// ``undecodableTotal``, so `total == ipv4 + ipv6 + nonIP + undecodableTotal`. Reassembled
/// datagrams are not captured packets: they are counted in ``reassembled`` only (and in the
/// transport counters ``tcp``, ``udp``, ``icmp``, ``otherIP``, which count delivered packets).
public struct PacketCounters: Hashable, Sendable {
    /// Packets handed to the decoder.
    public var total: UInt64 = 0
    /// IPv4 packets decoded and delivered (fragments included).
    public var ipv4: UInt64 = 0
    /// IPv6 packets decoded and delivered.
    public var ipv6: UInt64 = 0
    /// Frames that carry no IP (ARP, STP, 802.3 LLC, other ethertypes and families).
    public var nonIP: UInt64 = 0
    /// Delivered packets with a decoded TCP header (reassembled datagrams included).
    public var tcp: UInt64 = 0
    /// Delivered packets with a decoded UDP header.
    public var udp: UInt64 = 0
    /// Delivered packets with a decoded ICMP header.
    public var icmp: UInt64 = 0
    /// Delivered IPv4 packets of another protocol (not fragments).
    public var otherIP: UInt64 = 0
    /// IPv4 fragments seen (delivered as such, and given to the reassembler when it is on).
    public var fragments: UInt64 = 0
    /// Datagrams reassembled from fragments and delivered.
    public var reassembled: UInt64 = 0
    /// Datagrams that completed but whose transport header was bad (not delivered).
    public var reassembledUndecodable: UInt64 = 0
    /// Bytes of fragments that overlapped data already received (the first copy wins).
    public var fragmentOverlapBytes: UInt64 = 0
    /// Incomplete datagrams dropped when their time ran out.
    public var reassemblyTimeouts: UInt64 = 0
    /// Incomplete datagrams dropped to stay within the memory limits.
    public var reassemblyEvictions: UInt64 = 0
    /// Fragments the reassembler refused: cut by the snap length, or inconsistent with the
    /// datagram's other fragments (the datagram is dropped).
    public var reassemblyRejected: UInt64 = 0
    private var undecodable: [UInt64] = Array(repeating: 0, count: UndecodableReason.allCases.count)

    public init() {}

    /// Packets that could not be decoded, for one reason.
    public subscript(reason: UndecodableReason) -> UInt64 {
        get { undecodable[reason.rawValue] }
        set { undecodable[reason.rawValue] = newValue }
    }

    /// Packets that could not be decoded, all reasons.
    public var undecodableTotal: UInt64 { undecodable.reduce(0, +) }

    /// The non-zero undecodable counts by reason.
    public var undecodableByReason: [UndecodableReason: UInt64] {
        var result: [UndecodableReason: UInt64] = [:]
        for reason in UndecodableReason.allCases where undecodable[reason.rawValue] != 0 {
            result[reason] = undecodable[reason.rawValue]
        }
        return result
    }

    /// Whether every packet is accounted for: `total == ipv4 + ipv6 + nonIP + undecodableTotal`.
    public var isBalanced: Bool { total == ipv4 + ipv6 + nonIP + undecodableTotal }

    mutating func count(_ reason: UndecodableReason) {
        undecodable[reason.rawValue] &+= 1
    }
}
