// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEPacket
import Testing

/// Link types, VLAN tags, IPv6, non-IP frames and headers that lie about their lengths.
@Suite("Packet decoder")
struct PacketDecoderTests {
    static let source = IPv4Address(10, 0, 0, 1)
    static let destination = IPv4Address(10, 0, 0, 2)
    static let raw = PacketBuilder(linkType: .raw)

    /// A UDP datagram without link layer.
    static var udpDatagram: [UInt8] {
        raw.udp(
            from: source, sourcePort: 4000, to: destination, destinationPort: 53, ipID: 77, payload: Array("hello".utf8)
        )
    }

    /// An IPv6 UDP packet (fixed header only matters).
    static var ipv6Packet: [UInt8] {
        var packet: [UInt8] = [0x60, 0x12, 0x34, 0x56, 0, 12, 17, 64]
        packet += [0xFE, 0x80] + [UInt8](repeating: 0, count: 13) + [1]
        packet += [0xFF, 0x02] + [UInt8](repeating: 0, count: 13) + [0xFB]
        packet += [0x14, 0xE9, 0x14, 0xE9, 0, 12, 0, 0, 1, 2, 3, 4]
        return packet
    }

    /// Decodes one frame with a fresh decoder: the delivered packets and the counters.
    static func decode(_ frame: [UInt8], linkType: LinkType) -> ([PacketSummary], PacketCounters) {
        var decoder = PacketDecoder(linkType: linkType)
        var packets: [PacketSummary] = []
        frame.withUnsafeBytes { bytes in
            let header = PcapPacketHeader(
                seconds: 1, nanoseconds: 0, capturedLength: frame.count, originalLength: frame.count)
            decoder.decode(header, bytes) { packets.append(PacketSummary($0)) }
        }
        #expect(decoder.counters.isBalanced)
        return (packets, decoder.counters)
    }

    static func expectUDP(_ frame: [UInt8], linkType: LinkType, vlanID: UInt16? = nil) {
        let (packets, counters) = decode(frame, linkType: linkType)
        #expect(counters.udp == 1, "\(linkType)")
        #expect(packets.count == 1)
        guard let packet = packets.first else { return }
        #expect(packet.ipv4?.source == source)
        #expect(packet.ipv4?.destination == destination)
        #expect(packet.ipv4?.identification == 77)
        #expect(packet.udp?.sourcePort == 4000)
        #expect(packet.udp?.destinationPort == 53)
        #expect(packet.payload == Array("hello".utf8))
        #expect(packet.ipBlob.count == 13)
        #expect(packet.vlanID == vlanID)
    }

    @Test("every supported link type carries IPv4")
    func linkTypes() {
        let datagram = Self.udpDatagram
        Self.expectUDP(PacketBuilder().frame(datagram), linkType: .ethernet)
        Self.expectUDP(datagram, linkType: .raw)
        Self.expectUDP(datagram, linkType: .rawOpenBSD)
        Self.expectUDP(datagram, linkType: .linktypeRaw)
        Self.expectUDP(datagram, linkType: .ipv4)
        // Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes, protocol.
        let sll: [UInt8] = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00]
        Self.expectUDP(sll + datagram, linkType: .linuxSLL)
        // Linux cooked v2: protocol, reserved, interface index, ARPHRD, packet type, address length, 8 bytes.
        let sll2: [UInt8] = [0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]
        Self.expectUDP(sll2 + datagram, linkType: .linuxSLL2)
        Self.expectUDP([2, 0, 0, 0] + datagram, linkType: .null)
        Self.expectUDP([0, 0, 0, 2] + datagram, linkType: .null)
        Self.expectUDP([0, 0, 0, 2] + datagram, linkType: .loop)
        // 802.1Q tag (VLAN 42), and 802.1ad outer tag (VLAN 7) around an 802.1Q inner tag.
        let ethernet = PacketBuilder().frame(datagram)
        let tagged = Array(ethernet[..<12]) + [0x81, 0x00, 0x20, 0x2A] + Array(ethernet[12...])
        Self.expectUDP(tagged, linkType: .ethernet, vlanID: 42)
        let qinq = Array(ethernet[..<12]) + [0x88, 0xA8, 0x00, 0x07, 0x81, 0x00, 0x00, 0x2A] + Array(ethernet[12...])
        Self.expectUDP(qinq, linkType: .ethernet, vlanID: 7)
    }

    @Test("IPv6 is counted and its fixed header decoded, on Ethernet, raw and loopback links")
    func ipv6() {
        let packet = Self.ipv6Packet
        for (frame, linkType) in [
            (PacketBuilder().frame(packet), LinkType.ethernet), (packet, .raw), (packet, .ipv6),
            ([10, 0, 0, 0] + packet, .null), ([0, 0, 0, 30] + packet, .null),
        ] {
            let (packets, counters) = Self.decode(frame, linkType: linkType)
            #expect(counters.ipv6 == 1, "\(linkType)")
            #expect(counters.ipv4 == 0)
            let ipv6 = packets.first?.ipv6
            #expect(ipv6?.source.description == "fe80::1")
            #expect(ipv6?.destination.description == "ff02::fb")
            #expect(ipv6?.nextHeader == 17)
            #expect(ipv6?.hopLimit == 64)
            #expect(ipv6?.flowLabel == 0x23456)
            #expect(ipv6?.trafficClass == 0x01)
            #expect(packets.first?.ipBlob.count == 12)
            #expect(packets.first?.transport == DecodedPacket.Transport.none)
        }
    }

    @Test("ARP, 802.3 LLC and other frames are counted as non-IP; an unknown link type as undecodable")
    func nonIP() {
        var arp = [UInt8](repeating: 0xFF, count: 6) + [2, 0, 0, 0, 0, 1] + [0x08, 0x06]
        arp += [0, 1, 8, 0, 6, 4, 0, 1] + [UInt8](repeating: 0, count: 20)
        #expect(Self.decode(arp, linkType: .ethernet).1.nonIP == 1)
        let llc = [UInt8](repeating: 1, count: 12) + [0x00, 0x26, 0x42, 0x42, 0x03] + [UInt8](repeating: 0, count: 35)
        #expect(Self.decode(llc, linkType: .ethernet).1.nonIP == 1)
        let sllARP: [UInt8] = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x06] + arp.suffix(28)
        #expect(Self.decode(sllARP, linkType: .linuxSLL).1.nonIP == 1)
        #expect(Self.decode([7, 0, 0, 0] + Self.udpDatagram, linkType: .null).1.nonIP == 1)
        let wifi = Self.decode(Self.udpDatagram, linkType: LinkType(rawValue: 105)).1
        #expect(wifi[.unsupportedLinkType] == 1)
        #expect(wifi.total == 1)
    }

    /// The UDP datagram with some bytes replaced.
    static func patched(_ datagram: [UInt8], _ changes: [Int: UInt8]) -> [UInt8] {
        var bytes = datagram
        for (offset, value) in changes { bytes[offset] = value }
        return bytes
    }

    @Test("headers that are cut short or lie about lengths are counted by reason, never delivered out of bounds")
    func badHeaders() {
        let udp = Self.udpDatagram
        let syn = Self.raw.tcpSYN(from: Self.source, sourcePort: 1, to: Self.destination, destinationPort: 2)
        let ping = Self.raw.icmpEchoRequest(from: Self.source, to: Self.destination, identifier: 1, sequence: 2)
        let cases: [([UInt8], LinkType, UndecodableReason)] = [
            ([1, 2, 3], .ethernet, .truncatedLinkHeader),
            (Array(PacketBuilder().frame(udp).prefix(14)) + [0x45], .ethernet, .truncatedIPv4Header),
            (Array(PacketBuilder().frame(udp)[..<12]) + [0x81, 0, 0], .ethernet, .badVLANTag),
            (
                Array(PacketBuilder().frame(udp)[..<12])
                    + Array(repeating: [0x81, 0x00, 0, 1], count: 5).flatMap { $0 }
                    + [0x08, 0x00] + udp, .ethernet, .badVLANTag
            ),
            ([0, 0, 0, 1, 0, 6], .linuxSLL, .truncatedLinkHeader),
            ([0x08, 0x00, 0, 0], .linuxSLL2, .truncatedLinkHeader),
            ([2, 0], .null, .truncatedLinkHeader),
            ([], .raw, .truncatedIPv4Header),
            (Self.patched(udp, [0: 0x55]), .raw, .badIPVersion),
            (Self.patched(udp, [0: 0x65]), .ipv4, .badIPVersion),
            (Self.patched(udp, [0: 0x44]), .raw, .badIPv4HeaderLength),
            (Self.patched(udp, [0: 0x4F]), .raw, .truncatedIPv4Header),
            (Self.patched(udp, [2: 0, 3: 10]), .raw, .badIPv4TotalLength),
            (Array(Self.ipv6Packet.prefix(39)), .raw, .truncatedIPv6Header),
            (Array(syn.prefix(39)), .raw, .truncatedTCPHeader),
            (Self.patched(syn, [32: 0x20]), .raw, .badTCPDataOffset),
            (Self.patched(syn, [32: 0xF0]), .raw, .truncatedTCPHeader),
            (Array(udp.prefix(27)), .raw, .truncatedUDPHeader),
            (Self.patched(udp, [24: 0, 25: 3]), .raw, .badUDPLength),
            (Array(ping.prefix(27)), .raw, .truncatedICMPHeader),
            // More fragments with 13 payload bytes (not a multiple of 8).
            (Self.patched(udp, [6: 0x20]), .raw, .badFragment),
            // Offset 8191 × 8 + 33 bytes: beyond 65,535.
            (Self.patched(udp, [6: 0x1F, 7: 0xFF]), .raw, .badFragment),
        ]
        for (frame, linkType, reason) in cases {
            let (packets, counters) = Self.decode(frame, linkType: linkType)
            #expect(packets.isEmpty, "\(reason)")
            #expect(counters[reason] == 1, "expected \(reason), got \(counters.undecodableByReason)")
            #expect(counters.undecodableTotal == 1)
        }
    }

    @Test("lengths beyond the capture are bounded by it: total length, UDP length")
    func lyingLengthsAreBounded() {
        let udp = Self.udpDatagram
        let (packets, counters) = Self.decode(
            Self.patched(udp, [2: 0xFF, 3: 0xFF, 24: 0x7F, 25: 0xFF]), linkType: .raw)
        #expect(counters.udp == 1)
        let packet = packets.first
        #expect(packet?.ipv4?.totalLength == 65535)
        #expect(packet?.udp?.length == 0x7FFF)
        #expect(packet?.ipBlob.count == 13)
        #expect(packet?.payload == Array("hello".utf8))
        // A total length shorter than the capture (Ethernet padding) bounds the payload.
        let padded = PacketBuilder().frame(udp) + [0, 0, 0, 0, 0, 0]
        let (paddedPackets, _) = Self.decode(padded, linkType: .ethernet)
        #expect(paddedPackets.first?.ipBlob.count == 13)
        #expect(paddedPackets.first?.payload == Array("hello".utf8))
    }

    @Test("other IP protocols are delivered with the IP payload; TCP flags include NS")
    func otherProtocolAndFlags() {
        let gre = Self.raw.ipv4(protocolNumber: 47, from: Self.source, to: Self.destination, payload: [1, 2, 3, 4])
        let (packets, counters) = Self.decode(gre, linkType: .raw)
        #expect(counters.otherIP == 1)
        #expect(packets.first?.transport == .other)
        #expect(packets.first?.payload == [1, 2, 3, 4])
        let all: TCPHeader.Flags = [.fin, .syn, .rst, .psh, .ack, .urg, .ece, .cwr, .ns]
        let segment = Self.raw.tcp(
            from: Self.source, sourcePort: 80, to: Self.destination, destinationPort: 8080, sequence: 5,
            acknowledgment: 6, flags: all, window: 7, payload: [9, 9])
        let tcp = Self.decode(segment, linkType: .raw).0.first
        #expect(tcp?.tcp?.flags == all)
        #expect(tcp?.tcp?.acknowledgment == 6)
        #expect(tcp?.payload == [9, 9])
    }

    @Test("IPv4 addresses parse and print as dotted quads")
    func addresses() {
        #expect(IPv4Address("192.168.1.255")?.rawValue == 0xC0A8_01FF)
        #expect(IPv4Address("255.255.255.255") == .broadcast)
        #expect(IPv4Address(10, 0, 0, 1).description == "10.0.0.1")
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.4 "] {
            #expect(IPv4Address(bad) == nil, "\(bad)")
        }
        #expect(IPv6Address(high: 0x2001_0DB8_0000_0000, low: 1).description == "2001:db8::1")
        #expect(IPv6Address(high: 0, low: 0).description == "::")
        #expect(
            IPv6Address(high: 0x2001_0DB8_0001_0002, low: 0x0003_0004_0005_0006).description == "2001:db8:1:2:3:4:5:6")
    }
}
