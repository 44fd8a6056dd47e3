// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPacket

/// Captures for the seed's new_badhosts example: the attacker's pings and telnet SYNs to the
/// broadcast addresses at the times of the seed's sample output (Thu Apr 30 1998, UTC), the same
/// from excepted hosts, and ordinary traffic that no stage reports.
public enum SeedCapture {
    /// One packet of the scenario.
    public struct Packet: Hashable, Sendable {
        /// Seconds since the epoch.
        public var seconds: Int64
        /// Microseconds.
        public var microseconds: UInt32
        /// The Ethernet frame.
        public var frame: [UInt8]
    }

    /// 1998-04-30 16:45:59 UTC, the seed's first sample row.
    public static let start: Int64 = 893_954_759
    /// The seed's attacker.
    public static let attacker = IPv4Address(208, 239, 113, 163)

    /// The scenario, in time order: 7 attacker packets (the seed's sample rows), 4 from excepted
    /// hosts to broadcast addresses, 4 ordinary packets.
    public static func packets() -> [Packet] {
        let builder = PacketBuilder()
        var packets: [Packet] = []
        func add(_ offset: Int64, _ micros: UInt32 = 0, _ frame: [UInt8]) {
            packets.append(Packet(seconds: start + offset, microseconds: micros, frame: frame))
        }
        let net0 = IPv4Address(10, 0, 0, 255)
        let net1 = IPv4Address(10, 0, 1, 255)
        let net2 = IPv4Address(10, 0, 2, 255)
        // Ordinary traffic before and between: never reported once badhosts is checked.
        add(
            -5, 0,
            builder.icmpEchoRequest(
                from: IPv4Address(10, 0, 0, 5), to: IPv4Address(10, 0, 0, 7), identifier: 1, sequence: 1))
        for second in 0..<3 {
            add(
                Int64(second), 0,
                builder.icmpEchoRequest(from: attacker, to: net0, identifier: 0x1234, sequence: UInt16(second)))
        }
        // Excepted: 10.0.0.0/24 may ping 10.0.0.255; 10.0.0.128/25 may reach 10.0.1.255; 10.0.2.2 and .3 10.0.2.255.
        add(3, 0, builder.icmpEchoRequest(from: IPv4Address(10, 0, 0, 5), to: net0, identifier: 7, sequence: 1))
        add(4, 0, builder.tcpSYN(from: IPv4Address(10, 0, 0, 200), sourcePort: 1025, to: net1, destinationPort: 23))
        add(5, 0, builder.tcpSYN(from: IPv4Address(10, 0, 2, 2), sourcePort: 1026, to: net2, destinationPort: 23))
        add(
            6, 0,
            builder.udp(
                from: IPv4Address(10, 0, 2, 3), sourcePort: 137, to: IPv4Address(10, 0, 255, 255), destinationPort: 137,
                payload: Array(repeating: 0, count: 8)))
        add(
            8, 0,
            builder.tcpSYN(
                from: IPv4Address(10, 0, 0, 9), sourcePort: 40000, to: IPv4Address(10, 0, 1, 9), destinationPort: 80))
        add(11, 0, builder.tcpSYN(from: attacker, sourcePort: 8256, to: net2, destinationPort: 23))
        add(14, 0, builder.tcpSYN(from: attacker, sourcePort: 8256, to: net2, destinationPort: 23))
        add(
            15, 0,
            builder.udp(
                from: IPv4Address(10, 0, 0, 9), sourcePort: 53, to: IPv4Address(10, 0, 0, 10), destinationPort: 5353,
                payload: Array(repeating: 1, count: 12)))
        add(20, 0, builder.tcpSYN(from: attacker, sourcePort: 8256, to: net2, destinationPort: 23))
        add(28, 0, builder.tcpSYN(from: attacker, sourcePort: 8275, to: net1, destinationPort: 23))
        add(
            30, 0,
            builder.icmpEchoRequest(
                from: IPv4Address(10, 0, 0, 7), to: IPv4Address(10, 0, 0, 5), identifier: 1, sequence: 2))
        return packets
    }

    /// Writes the scenario to a pcap file (Ethernet).
    public static func write(to path: String) throws {
        let writer = try PcapWriter(path: path)
        for packet in packets() {
            try writer.write(seconds: packet.seconds, microseconds: packet.microseconds, packet.frame)
        }
        try writer.close()
    }

    /// Writes a benchmark capture of `count` packets: ordinary traffic among 10.1.0.0/16 hosts
    /// (TCP, UDP, ICMP in turn) with one attacker packet to a broadcast address in every
    /// `attackEvery`, one packet per 10 µs of capture time.
    public static func writeBenchmark(to path: String, count: Int, attackEvery: Int = 1000) throws {
        let builder = PacketBuilder()
        let writer = try PcapWriter(path: path, bufferSize: 4 << 20)
        let broadcasts = [IPv4Address(10, 0, 0, 255), IPv4Address(10, 0, 1, 255), IPv4Address(10, 0, 2, 255)]
        var templates: [[UInt8]] = []
        for index in 0..<64 {
            let a = IPv4Address(10, 1, UInt8(index / 8), UInt8(1 + index % 200))
            let b = IPv4Address(10, 1, UInt8(8 + index / 8), UInt8(1 + (index * 7) % 200))
            switch index % 3 {
            case 0:
                templates.append(
                    builder.tcp(
                        from: a, sourcePort: UInt16(20_000 + index), to: b, destinationPort: 443, flags: [.ack, .psh],
                        payload: Array(repeating: UInt8(index), count: 200)))
            case 1:
                templates.append(
                    builder.udp(
                        from: a, sourcePort: UInt16(30_000 + index), to: b, destinationPort: 53,
                        payload: Array(repeating: UInt8(index), count: 60)))
            default:
                templates.append(builder.icmpEchoRequest(from: a, to: b, identifier: UInt16(index), sequence: 1))
            }
        }
        var attacks: [[UInt8]] = []
        for (index, broadcast) in broadcasts.enumerated() {
            attacks.append(
                builder.icmpEchoRequest(from: attacker, to: broadcast, identifier: 9, sequence: UInt16(index)))
            attacks.append(
                builder.tcpSYN(from: attacker, sourcePort: UInt16(8256 + index), to: broadcast, destinationPort: 23))
        }
        for index in 0..<count {
            let micros = Int64(index) * 10
            let frame =
                index % attackEvery == attackEvery - 1
                ? attacks[(index / attackEvery) % attacks.count] : templates[index % templates.count]
            try writer.write(seconds: start + micros / 1_000_000, microseconds: UInt32(micros % 1_000_000), frame)
        }
        try writer.close()
    }
}
