// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEPacket
import MICETestSupport
import Testing

/// PcapSource on files: BPF filters, pcapng, damaged files, errors.
@Suite("Pcap source")
struct PcapSourceTests {
    @Test("the BPF filter icmp selects exactly the ICMP packets")
    func icmpFilter() throws {
        let scratch = try PacketFixtures.scratch("filter")
        defer { scratch.remove() }
        let path = scratch.path + "/mixed.pcap"
        let packets = PcapWriterTests.generate(count: 900, builder: PacketBuilder(), seed: 3)
        try PcapWriterTests.write(packets, to: path, linkType: .ethernet)
        let filtered = try PacketFixtures.decode(path, filter: "icmp")
        #expect(filtered.counters.total == 300)
        #expect(filtered.counters.icmp == 300)
        #expect(filtered.packets.allSatisfy { $0.icmp?.type == 8 })
        let expectedIDs = (0..<900).filter { $0 % 3 == 0 }.map { UInt16($0) }
        #expect(filtered.packets.map { $0.ipv4!.identification } == expectedIDs)

        let pings = try PacketFixtures.decode(PacketFixtures.capture("zeek-5-pings.pcap"), filter: "icmp")
        #expect(pings.counters.total == 10)
        let wikipedia = try PacketFixtures.decode(PacketFixtures.capture("zeek-wikipedia.pcap"), filter: "icmp")
        #expect(wikipedia.counters.total == 0)
        let requests = try PacketFixtures.decode(
            PacketFixtures.capture("suricata-verify-threshold-icmp.pcap"), filter: "icmp[icmptype] == icmp-echo")
        #expect(requests.counters.total == 8)
    }

    @Test("a bad filter is an error naming the expression and libpcap's message")
    func badFilter() throws {
        let path = PacketFixtures.capture("zeek-syn.pcap")
        do {
            _ = try PcapSource(file: path, filter: "tcp port nonsense-port-name")
            Issue.record("the filter compiled")
        } catch {
            #expect(error.code == .badFilter)
            #expect(error.source == path)
            #expect(error.detail.contains("\"tcp port nonsense-port-name\""))
            #expect(error.detail.contains("nonsense-port-name"))
            #expect(error.description.contains("bad BPF filter"))
        }
        let source = try PcapSource(file: path)
        #expect(throws: PacketError.self) { try source.setFilter("ip and (") }
        #expect(source.filter == nil)
        try source.setFilter("tcp[tcpflags] & tcp-syn != 0")
        #expect(source.filter == "tcp[tcpflags] & tcp-syn != 0")
        #expect(try source.forEachPacket { _, _ in } == 1)
    }

    @Test("a missing file and a file that is no capture are errors naming the path")
    func openErrors() throws {
        #expect {
            try PcapSource(file: "/nonexistent/trace.pcap")
        } throws: { error in
            (error as? PacketError)?.code == .openFailed && (error as? PacketError)?.source == "/nonexistent/trace.pcap"
        }
        let scratch = try PacketFixtures.scratch("notpcap")
        defer { scratch.remove() }
        let path = try scratch.write("text.pcap", "this is not a capture file at all\n")
        #expect {
            try PcapSource(file: path)
        } throws: { error in
            (error as? PacketError)?.code == .openFailed && (error as? PacketError)?.source == path
        }
    }

    @Test("a file cut inside a packet: the whole packets, then an error with packet number and byte offset")
    func truncatedFile() throws {
        let scratch = try PacketFixtures.scratch("truncated")
        defer { scratch.remove() }
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: PacketFixtures.capture("zeek-5-pings.pcap"))))
        // 24-byte file header, then records of 16 + 98 bytes: cut in the middle of the fourth packet.
        let cut = 24 + 3 * (16 + 98) + 16 + 40
        let path = scratch.path + "/cut.pcap"
        try Data(original.prefix(cut)).write(to: URL(fileURLWithPath: path))
        let source = try PcapSource(file: path)
        var decoder = PacketDecoder(linkType: source.linkType)
        var delivered = 0
        do {
            try source.forEachPacket { header, bytes in
                decoder.decode(header, bytes) { _ in delivered += 1 }
            }
            Issue.record("no error for a truncated file")
        } catch let error as PacketError {
            #expect(error.code == .readFailed)
            #expect(error.packetNumber == 4)
            #expect(error.byteOffset == UInt64(cut))
            #expect(error.detail.contains("truncated"))
            #expect(error.description.contains("packet 4"))
        }
        #expect(delivered == 3)
        #expect(decoder.counters.icmp == 3)

        // Cut inside a record header.
        let headerCut = 24 + (16 + 98) + 7
        try Data(original.prefix(headerCut)).write(to: URL(fileURLWithPath: path))
        let second = try PcapSource(file: path)
        #expect {
            try second.forEachPacket { _, _ in }
        } throws: { error in
            (error as? PacketError)?.packetNumber == 2
        }
        #expect(second.packetsRead == 1)
    }

    @Test("limit stops the loop; the next call goes on where it stopped; breakLoop stops it from the body")
    func limitAndBreak() throws {
        let source = try PcapSource(file: PacketFixtures.capture("zeek-workshop_2011_browse.pcap"))
        #expect(try source.forEachPacket(limit: 10) { _, _ in } == 10)
        var seen = 0
        let delivered = try source.forEachPacket { _, _ in
            seen += 1
            if seen == 5 { source.breakLoop() }
        }
        #expect(delivered == 5)
        #expect(try source.forEachPacket { _, _ in } == 121 - 15)
        #expect(source.packetsRead == 121)
    }

    @Test("pcapng through libpcap: the same packets as the classic file")
    func pcapng() throws {
        let scratch = try PacketFixtures.scratch("pcapng")
        defer { scratch.remove() }
        let packets = PcapWriterTests.generate(count: 30, builder: PacketBuilder(), seed: 5)
        var file: [UInt8] = []
        func append32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { file += $0 } }
        func append16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { file += $0 } }
        // Section header block, interface description block (Ethernet), enhanced packet blocks.
        append32(0x0A0D_0D0A)
        append32(28)
        append32(0x1A2B_3C4D)
        append16(1)
        append16(0)
        append32(0xFFFF_FFFF)
        append32(0xFFFF_FFFF)
        append32(28)
        append32(1)
        append32(20)
        append16(1)
        append16(0)
        append32(65535)
        append32(20)
        for packet in packets {
            let padded = (packet.frame.count + 3) / 4 * 4
            let total = UInt32(32 + padded)
            let micros = UInt64(packet.seconds) * 1_000_000 + UInt64(packet.microseconds)
            append32(6)
            append32(total)
            append32(0)
            append32(UInt32(micros >> 32))
            append32(UInt32(truncatingIfNeeded: micros))
            append32(UInt32(packet.frame.count))
            append32(UInt32(packet.frame.count))
            file += packet.frame
            file += [UInt8](repeating: 0, count: padded - packet.frame.count)
            append32(total)
        }
        let path = scratch.path + "/trace.pcapng"
        try Data(file).write(to: URL(fileURLWithPath: path))
        let capture = try PacketFixtures.decode(path)
        #expect(capture.linkType == .ethernet)
        #expect(capture.counters.total == 30)
        #expect(capture.counters.icmp == 10)
        #expect(capture.counters.tcp == 10)
        #expect(capture.counters.udp == 10)
        #expect(capture.packets.map { $0.seconds } == packets.map { $0.seconds })
        #expect(capture.packets.map { $0.nanoseconds } == packets.map { $0.microseconds * 1000 })
    }
}
