// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEPacket
import MICETestSupport
import Testing

/// PcapWriter and PacketBuilder: files read back by PcapSource and by a real tcpdump process.
@Suite("Pcap writer")
struct PcapWriterTests {
    /// One generated packet and what tcpdump (`-nn -tt -q`) prints for it.
    struct Generated {
        var seconds: Int64
        var microseconds: UInt32
        var frame: [UInt8]
        var tcpdumpLine: String
    }

    /// A deterministic mix of ICMP echo requests, TCP SYNs and UDP datagrams.
    static func generate(count: Int, builder: PacketBuilder, seed: UInt64) -> [Generated] {
        var random = SplitMix64(seed: seed)
        var packets: [Generated] = []
        for index in 0..<count {
            let source = IPv4Address(
                10, 1, UInt8.random(in: 0...255, using: &random), UInt8.random(in: 1...254, using: &random))
            let destination = IPv4Address(192, 168, UInt8.random(in: 0...255, using: &random), 255)
            let seconds = Int64(1_700_000_000 + index / 1000)
            let microseconds = UInt32(index % 1000 * 1000 + Int.random(in: 0...999, using: &random))
            let ipID = UInt16(truncatingIfNeeded: index)
            let time = String(format: "%lld.%06u", seconds, microseconds)
            switch index % 3 {
            case 0:
                let sequence = UInt16.random(in: 0...UInt16.max, using: &random)
                let payload = random.bytes(Int.random(in: 0...48, using: &random))
                packets.append(
                    Generated(
                        seconds: seconds, microseconds: microseconds,
                        frame: builder.icmpEchoRequest(
                            from: source, to: destination, identifier: 0x4D49, sequence: sequence, ipID: ipID,
                            payload: payload),
                        tcpdumpLine:
                            "\(time) IP \(source) > \(destination): ICMP echo request, id 19785, seq \(sequence), length \(8 + payload.count)"
                    ))
            case 1:
                let sourcePort = UInt16.random(in: 30000...39999, using: &random)
                let sequence = UInt32.random(in: 0...UInt32.max, using: &random)
                packets.append(
                    Generated(
                        seconds: seconds, microseconds: microseconds,
                        frame: builder.tcpSYN(
                            from: source, sourcePort: sourcePort, to: destination, destinationPort: 23,
                            sequence: sequence, ipID: ipID),
                        tcpdumpLine: "\(time) IP \(source).\(sourcePort) > \(destination).23: tcp 0"))
            default:
                let sourcePort = UInt16.random(in: 30000...39999, using: &random)
                let payload = random.bytes(Int.random(in: 0...64, using: &random))
                packets.append(
                    Generated(
                        seconds: seconds, microseconds: microseconds,
                        frame: builder.udp(
                            from: source, sourcePort: sourcePort, to: destination, destinationPort: 31337, ipID: ipID,
                            payload: payload),
                        tcpdumpLine:
                            "\(time) IP \(source).\(sourcePort) > \(destination).31337: UDP, length \(payload.count)"))
            }
        }
        return packets
    }

    static func write(_ packets: [Generated], to path: String, linkType: LinkType) throws {
        let writer = try PcapWriter(path: path, linkType: linkType)
        for packet in packets {
            try writer.write(seconds: packet.seconds, microseconds: packet.microseconds, packet.frame)
        }
        try writer.close()
        #expect(writer.packetsWritten == UInt64(packets.count))
    }

    @Test(
        "a written Ethernet capture reads back identically through libpcap and through tcpdump",
        arguments: [
            LinkType.ethernet, LinkType.raw, LinkType.ipv4,
        ])
    func roundTrip(linkType: LinkType) throws {
        let scratch = try PacketFixtures.scratch("writer")
        defer { scratch.remove() }
        let path = scratch.path + "/mixed.pcap"
        let packets = Self.generate(count: 3000, builder: PacketBuilder(linkType: linkType), seed: 7)
        try Self.write(packets, to: path, linkType: linkType)

        let source = try PcapSource(file: path)
        #expect(source.linkType == linkType)
        var index = 0
        var decoder = PacketDecoder(linkType: source.linkType)
        try source.forEachPacket { header, bytes in
            let expected = packets[index]
            #expect(Array(bytes) == expected.frame)
            #expect(header.seconds == expected.seconds)
            #expect(header.nanoseconds == expected.microseconds * 1000)
            #expect(header.capturedLength == expected.frame.count)
            decoder.decode(header, bytes) { packet in
                #expect(packet.ipv4?.identification == UInt16(truncatingIfNeeded: index))
                switch index % 3 {
                case 0: #expect(packet.icmp?.type == 8)
                case 1: #expect(packet.tcp?.flags == .syn)
                default: #expect(packet.udp?.destinationPort == 31337)
                }
            }
            index += 1
        }
        #expect(index == packets.count)
        #expect(decoder.counters.total == 3000)
        #expect(decoder.counters.icmp == 1000)
        #expect(decoder.counters.tcp == 1000)
        #expect(decoder.counters.udp == 1000)

        let result = try runProgram(PacketFixtures.tcpdump, ["-r", path, "-nn", "-tt", "-q", "-K"], timeout: 60)
        #expect(result.status == 0, "\(result.errorText)")
        let lines = String(decoding: result.output, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.count == packets.count)
        for (line, packet) in zip(lines, packets) where line != packet.tcpdumpLine {
            Issue.record("tcpdump printed \(line), expected \(packet.tcpdumpLine)")
            break
        }
    }

    @Test("the builders' IP, ICMP, TCP and UDP checksums are correct (tcpdump -vv verifies them)")
    func checksums() throws {
        let scratch = try PacketFixtures.scratch("checksums")
        defer { scratch.remove() }
        let path = scratch.path + "/checksums.pcap"
        try Self.write(Self.generate(count: 300, builder: PacketBuilder(), seed: 11), to: path, linkType: .ethernet)
        let result = try runProgram(PacketFixtures.tcpdump, ["-r", path, "-nn", "-vv"], timeout: 60)
        #expect(result.status == 0)
        let text = String(decoding: result.output, as: UTF8.self)
        #expect(!text.contains("incorrect"), "\(text.prefix(2000))")
        #expect(!text.contains("bad cksum"))
        #expect(!text.contains("wrong"))
        // tcpdump prints the TCP checksum with its verdict, the UDP verdict, and IP or ICMP ones only when bad.
        #expect(text.components(separatedBy: " (correct)").count - 1 == 100)
        #expect(text.components(separatedBy: "[udp sum ok]").count - 1 == 100)
        #expect(text.components(separatedBy: "ICMP echo request").count - 1 == 100)
    }

    @Test("packets longer than the snap length are cut, keeping their original length")
    func snapLength() throws {
        let scratch = try PacketFixtures.scratch("snap")
        defer { scratch.remove() }
        let path = scratch.path + "/snap.pcap"
        let frame = PacketBuilder().udp(
            from: IPv4Address(10, 0, 0, 1), sourcePort: 1000, to: IPv4Address(10, 0, 0, 2), destinationPort: 2000,
            payload: [UInt8](repeating: 0x41, count: 200))
        let writer = try PcapWriter(path: path, snapshotLength: 64)
        try writer.write(seconds: 1, microseconds: 2, frame)
        try writer.close()
        let capture = try PacketFixtures.decode(path)
        #expect(capture.counters.udp == 1)
        let packet = try #require(capture.packets.first)
        #expect(packet.udp?.length == 208)
        #expect(packet.ipBlob.count == 64 - 14 - 20)
        #expect(packet.payload.count == 64 - 14 - 20 - 8)
        let source = try PcapSource(file: path)
        try source.forEachPacket { header, _ in
            #expect(header.capturedLength == 64)
            #expect(header.originalLength == frame.count)
        }
    }

    @Test("a file that cannot be created is an error naming the path")
    func unwritable() {
        #expect {
            try PcapWriter(path: "/nonexistent-folder/x.pcap")
        } throws: { error in
            guard let error = error as? PacketError else { return false }
            return error.code == .writeFailed && error.source == "/nonexistent-folder/x.pcap"
        }
    }
}
