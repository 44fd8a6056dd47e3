// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEPacket
import MICETestSupport

/// What a test keeps of a decoded packet (no pointers into the capture buffer).
struct PacketSummary: Hashable {
    var seconds: Int64
    var nanoseconds: UInt32
    var ipv4: IPv4Header?
    var ipv6: IPv6Header?
    var transport: DecodedPacket.Transport
    var tcp: TCPHeader?
    var udp: UDPHeader?
    var icmp: ICMPHeader?
    var vlanID: UInt16?
    var ipBlob: [UInt8]
    var payload: [UInt8]
    var isReassembled: Bool

    init(_ packet: DecodedPacket) {
        seconds = packet.header.seconds
        nanoseconds = packet.header.nanoseconds
        ipv4 = packet.ipv4
        ipv6 = packet.ipv6
        transport = packet.transport
        tcp = packet.tcp
        udp = packet.udp
        icmp = packet.icmp
        vlanID = packet.vlanID
        ipBlob = Array(packet.ipBlob)
        payload = Array(packet.payload)
        isReassembled = packet.isReassembled
    }
}

/// The result of reading a whole capture.
struct DecodedCapture {
    var linkType: LinkType
    var counters: PacketCounters
    var packets: [PacketSummary]
}

enum PacketFixtures {
    /// The shared captures: `$MICE_PCAP_DIR`, else `../shared/data/pcap` next to the repository.
    static let captureDirectory: String = {
        if let directory = ProcessInfo.processInfo.environment["MICE_PCAP_DIR"], !directory.isEmpty {
            return directory
        }
        return URL(fileURLWithPath: TestPaths.repositoryRoot).deletingLastPathComponent()
            .appendingPathComponent("shared/data/pcap").path
    }()

    static func capture(_ name: String) -> String { captureDirectory + "/" + name }

    /// Every `.pcap` in the shared folder.
    static var allCaptures: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: captureDirectory)) ?? []
        return names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
    }

    /// Reads and decodes a whole capture file.
    static func decode(
        _ path: String, filter: String? = nil, reassembly: IPv4Reassembler.Limits? = IPv4Reassembler.Limits()
    ) throws -> DecodedCapture {
        let source = try PcapSource(file: path, filter: filter)
        var decoder = PacketDecoder(linkType: source.linkType, reassembly: reassembly)
        var packets: [PacketSummary] = []
        try source.forEachPacket { header, bytes in
            decoder.decode(header, bytes) { packets.append(PacketSummary($0)) }
        }
        return DecodedCapture(linkType: source.linkType, counters: decoder.counters, packets: packets)
    }

    /// A fresh scratch folder.
    static func scratch(_ name: String) throws -> Scratch { try Scratch("packets-\(name)") }

    /// tcpdump, installed by scripts/setup.sh.
    static let tcpdump = "/usr/bin/tcpdump"
}
