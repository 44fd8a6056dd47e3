// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEPacket
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A live capture on the loopback interface (needs root, as capturing does).
@Suite("Live capture")
struct LiveCaptureTests {
    /// Sends one UDP datagram to 127.0.0.1:`port`.
    static func sendUDP(_ payload: [UInt8], port: UInt16) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let sent = payload.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        return sent == payload.count
    }

    @Test(
        "a UDP datagram sent to 127.0.0.1 is captured on lo through the BPF filter and decoded",
        .enabled(if: geteuid() == 0, "capturing needs root"))
    func loopback() throws {
        let port = UInt16(47_000 + getpid() % 1000)
        let source = try PcapSource(
            interface: "lo", options: PcapSource.LiveOptions(snapshotLength: 65_535, timeoutMilliseconds: 50),
            filter: "udp and dst port \(port)")
        #expect(source.isLive)
        #expect(source.linkType == .ethernet)
        let marker = Array("mice-live-capture".utf8)
        // The capture is active: the datagrams sent now are queued for it. A watchdog bounds the wait.
        for _ in 0..<3 { #expect(Self.sendUDP(marker, port: port)) }
        let watchdog = DispatchWorkItem { source.breakLoop() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 20, execute: watchdog)
        defer { watchdog.cancel() }
        var decoder = PacketDecoder(linkType: source.linkType)
        var captured: [PacketSummary] = []
        try source.forEachPacket(limit: 1) { header, bytes in
            decoder.decode(header, bytes) { captured.append(PacketSummary($0)) }
        }
        let packet = try #require(captured.first)
        #expect(packet.ipv4?.source == IPv4Address(127, 0, 0, 1))
        #expect(packet.ipv4?.destination == IPv4Address(127, 0, 0, 1))
        #expect(packet.udp?.destinationPort == port)
        #expect(packet.payload == marker)
        #expect(packet.seconds > 1_600_000_000)
        #expect((source.statistics()?.received ?? 0) >= 1)
    }

    @Test(
        "breakLoop from another thread ends a live loop that sees no packets",
        .enabled(if: geteuid() == 0, "capturing needs root"))
    func breakLoopLive() throws {
        let port = 48_000 + getpid() % 1000
        let source = try PcapSource(
            interface: "lo", options: PcapSource.LiveOptions(timeoutMilliseconds: 50),
            filter: "udp and dst port \(port) and src port \(port)")
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { source.breakLoop() }
        var count = 0
        try source.forEachPacket { _, _ in count += 1 }
        #expect(count == 0)
    }

    @Test("a missing interface is an error naming it")
    func missingInterface() {
        #expect {
            try PcapSource(interface: "mice-no-such-if0")
        } throws: { error in
            guard let error = error as? PacketError else { return false }
            return (error.code == .activateFailed || error.code == .openFailed)
                && error.source == "interface mice-no-such-if0"
        }
    }
}
