// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEPacket
import Testing

/// The public captures in ../shared/data/pcap (see ncode-notes.md section C), with exact counts.
@Suite("Shared captures")
struct CaptureCorpusTests {
    @Test("every shared capture is present and decodes, each packet accounted for")
    func everyCaptureBalances() throws {
        let names = PacketFixtures.allCaptures
        #expect(names.count >= 9, "captures missing from \(PacketFixtures.captureDirectory)")
        for name in names {
            let capture = try PacketFixtures.decode(PacketFixtures.capture(name))
            let counters = capture.counters
            #expect(counters.isBalanced, "\(name): \(counters)")
            #expect(counters.undecodableTotal == 0, "\(name): \(counters.undecodableByReason)")
            #expect(counters.total > 0, "\(name)")
        }
    }

    @Test("zeek 5-pings: 10 ICMP, five echo requests 172.16.133.2 → 172.217.11.78 and five replies")
    func fivePings() throws {
        let capture = try PacketFixtures.decode(PacketFixtures.capture("zeek-5-pings.pcap"))
        #expect(capture.linkType == .ethernet)
        #expect(capture.counters.total == 10)
        #expect(capture.counters.ipv4 == 10)
        #expect(capture.counters.icmp == 10)
        let requests = capture.packets.filter { $0.icmp?.type == ICMPHeader.echoRequest }
        let replies = capture.packets.filter { $0.icmp?.type == ICMPHeader.echoReply }
        #expect(requests.count == 5)
        #expect(replies.count == 5)
        #expect(requests.map { $0.icmp!.sequence } == [1, 2, 3, 4, 5])
        for request in requests {
            #expect(request.ipv4?.source == IPv4Address("172.16.133.2"))
            #expect(request.ipv4?.destination == IPv4Address("172.217.11.78"))
            #expect(request.ipv4?.protocolNumber == 1)
            #expect(request.icmp?.identifier == 1226)
            #expect(request.icmp?.code == 0)
            #expect(request.ipBlob.count == 64)
            #expect(request.ipBlob.first == 8)
            #expect(request.payload.count == 56)
        }
        #expect(capture.packets.first?.seconds == 1_607_454_603)
        #expect(capture.packets.first?.nanoseconds == 986_596_000)
    }

    @Test("zeek icmp-ping: 2 echo requests and 2 replies between 10.0.0.1 and 74.125.225.99")
    func icmpPing() throws {
        let capture = try PacketFixtures.decode(PacketFixtures.capture("zeek-icmp-ping.pcap"))
        #expect(capture.counters.total == 4)
        #expect(capture.counters.icmp == 4)
        #expect(capture.packets.map { $0.icmp!.type } == [8, 0, 8, 0])
        #expect(capture.packets.map { $0.icmp!.sequence } == [0, 0, 1, 1])
        #expect(capture.packets[0].ipv4?.source == IPv4Address("10.0.0.1"))
        #expect(capture.packets[1].ipv4?.source == IPv4Address("74.125.225.99"))
    }

    @Test("suricata threshold icmp: 8 echo requests 192.168.0.89 → 192.168.0.1 and 4 replies")
    func suricataThresholdICMP() throws {
        let capture = try PacketFixtures.decode(PacketFixtures.capture("suricata-verify-threshold-icmp.pcap"))
        #expect(capture.counters.total == 12)
        #expect(capture.counters.icmp == 12)
        let requests = capture.packets.filter { $0.icmp?.type == 8 }
        #expect(requests.count == 8)
        #expect(requests.allSatisfy { $0.ipv4?.source == IPv4Address("192.168.0.89") })
        #expect(requests.allSatisfy { $0.ipv4?.destination == IPv4Address("192.168.0.1") })
        #expect(capture.packets.filter { $0.icmp?.type == 0 }.count == 4)
        let first = capture.packets[0]
        let second = capture.packets[1]
        #expect(first.icmp?.identifier == 512)
        #expect(first.icmp?.sequence == 2304)
        let gap =
            (second.seconds - first.seconds) * 1_000_000_000 + Int64(second.nanoseconds) - Int64(first.nanoseconds)
        #expect(gap == 28_000)
    }

    @Test("zeek syn and syn-synack: the SYN 141.142.228.5:59856 → 192.150.187.43:80 and its SYN/ACK")
    func synAndSynAck() throws {
        let syn = try PacketFixtures.decode(PacketFixtures.capture("zeek-syn.pcap"))
        #expect(syn.counters.total == 1)
        #expect(syn.counters.tcp == 1)
        let packet = try #require(syn.packets.first)
        let tcp = try #require(packet.tcp)
        #expect(packet.ipv4?.source == IPv4Address("141.142.228.5"))
        #expect(packet.ipv4?.destination == IPv4Address("192.150.187.43"))
        #expect(tcp.sourcePort == 59856)
        #expect(tcp.destinationPort == 80)
        #expect(tcp.sequence == 4_263_588_410)
        #expect(tcp.flags == .syn)
        #expect(tcp.window == 65535)
        #expect(tcp.dataOffset == 44)
        #expect(packet.payload.isEmpty)
        #expect(packet.ipBlob.count == 44)

        let pair = try PacketFixtures.decode(PacketFixtures.capture("zeek-syn-synack.pcap"))
        #expect(pair.counters.tcp == 2)
        let synAck = try #require(pair.packets.last?.tcp)
        #expect(synAck.flags == [.syn, .ack])
        #expect(synAck.sequence == 2_779_762_238)
        #expect(synAck.acknowledgment == 4_263_588_411)
        #expect(synAck.window == 14480)
        #expect(synAck.sourcePort == 80)
    }

    @Test("zeek udp-broadcast: one UDP 192.168.1.1:40190 → 255.255.255.255:7437 with 173 bytes")
    func udpBroadcast() throws {
        let capture = try PacketFixtures.decode(PacketFixtures.capture("zeek-udp-broadcast.pcap"))
        #expect(capture.counters.total == 1)
        #expect(capture.counters.udp == 1)
        let packet = try #require(capture.packets.first)
        let udp = try #require(packet.udp)
        #expect(packet.ipv4?.source == IPv4Address("192.168.1.1"))
        #expect(packet.ipv4?.destination == .broadcast)
        #expect(udp.sourcePort == 40190)
        #expect(udp.destinationPort == 7437)
        #expect(udp.length == 181)
        #expect(packet.payload.count == 173)
        #expect(packet.ipBlob.count == 181)
    }

    @Test("zeek fragmented-syn: two fragments, delivered, and reassembled into one TCP SYN")
    func fragmentedSYN() throws {
        let capture = try PacketFixtures.decode(PacketFixtures.capture("zeek-fragmented-syn.pcap"))
        let counters = capture.counters
        #expect(counters.total == 2)
        #expect(counters.ipv4 == 2)
        #expect(counters.fragments == 2)
        #expect(counters.reassembled == 1)
        #expect(counters.tcp == 1)
        #expect(capture.packets.count == 3)
        #expect(capture.packets[0].transport == .fragment)
        #expect(capture.packets[0].ipv4?.moreFragments == true)
        #expect(capture.packets[1].ipv4?.fragmentByteOffset == 24)
        let syn = capture.packets[2]
        #expect(syn.isReassembled)
        let tcp = try #require(syn.tcp)
        #expect(tcp.flags == .syn)
        #expect(tcp.sourcePort == 12345)
        #expect(tcp.destinationPort == 80)
        #expect(tcp.sequence == 1000)
        #expect(tcp.dataOffset == 40)
        #expect(syn.ipv4?.source == IPv4Address("192.168.1.100"))
        #expect(syn.ipv4?.destination == IPv4Address("10.0.0.5"))
        #expect(syn.ipv4?.totalLength == 60)
        #expect(syn.ipv4?.isFragment == false)
        #expect(syn.ipBlob.count == 40)
        #expect(syn.ipBlob.suffix(16) == capture.packets[1].ipBlob[...])

        let withoutReassembly = try PacketFixtures.decode(
            PacketFixtures.capture("zeek-fragmented-syn.pcap"), reassembly: nil)
        #expect(withoutReassembly.packets.count == 2)
        #expect(withoutReassembly.counters.tcp == 0)
    }

    @Test("zeek wikipedia: 121 IPv4 (78 TCP, 43 UDP), 5 IPv6, 10 non-IP (ARP and STP)")
    func wikipedia() throws {
        let capture = try PacketFixtures.decode(PacketFixtures.capture("zeek-wikipedia.pcap"))
        let counters = capture.counters
        #expect(counters.total == 136)
        #expect(counters.ipv4 == 121)
        #expect(counters.tcp == 78)
        #expect(counters.udp == 43)
        #expect(counters.ipv6 == 5)
        #expect(counters.nonIP == 10)
        #expect(counters.undecodableTotal == 0)
        let first = try #require(capture.packets.first)
        #expect(first.udp?.destinationPort == 5353)
        #expect(first.ipv4?.destination == IPv4Address("224.0.0.251"))
        let ipv6 = try #require(capture.packets.first { $0.ipv6 != nil }?.ipv6)
        #expect(ipv6.source.description == "fe80::217:f2ff:fed7:cf65")
        #expect(ipv6.destination.description == "ff02::fb")
        #expect(ipv6.nextHeader == 17)
    }

    @Test("zeek workshop_2011_browse: 121 TCP packets, all to or from 192.150.187.43:80")
    func workshopBrowse() throws {
        let capture = try PacketFixtures.decode(PacketFixtures.capture("zeek-workshop_2011_browse.pcap"))
        #expect(capture.counters.total == 121)
        #expect(capture.counters.tcp == 121)
        #expect(
            capture.packets.allSatisfy { $0.tcp!.sourcePort == 80 || $0.tcp!.destinationPort == 80 })
        let syns = capture.packets.filter { $0.tcp!.flags == .syn }
        #expect(syns.count == 6)
        #expect(capture.packets.filter { !$0.payload.isEmpty }.count == 48)
    }
}
