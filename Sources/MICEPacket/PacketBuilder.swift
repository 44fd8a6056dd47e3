// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords

/// Builds well-formed IPv4 packets for tests and the benchmark generator: ICMP echo requests,
/// TCP SYNs, UDP datagrams, and fragments of any datagram, with correct IP, ICMP, TCP and UDP
/// checksums, framed for ``LinkType/ethernet`` or ``LinkType/raw``.
public struct PacketBuilder: Sendable {
    /// The link layer the frames get (``LinkType/ethernet`` or ``LinkType/raw``).
    public var linkType: LinkType
    /// Ethernet source address (6 bytes).
    public var sourceMAC: [UInt8]
    /// Ethernet destination address (6 bytes).
    public var destinationMAC: [UInt8]
    /// Time to live of every packet.
    public var ttl: UInt8

    public init(
        linkType: LinkType = .ethernet, sourceMAC: [UInt8] = [0x02, 0, 0, 0, 0, 0x01],
        destinationMAC: [UInt8] = [0x02, 0, 0, 0, 0, 0x02], ttl: UInt8 = 64
    ) {
        self.linkType = linkType
        self.sourceMAC = sourceMAC
        self.destinationMAC = destinationMAC
        self.ttl = ttl
    }

    /// An ICMP echo request (type 8) frame.
    public func icmpEchoRequest(
        from source: IPv4Address, to destination: IPv4Address, identifier: UInt16, sequence: UInt16,
        ipID: UInt16 = 0, payload: [UInt8] = []
    ) -> [UInt8] {
        var icmp: [UInt8] = [8, 0, 0, 0]
        appendBigEndian16(identifier, to: &icmp)
        appendBigEndian16(sequence, to: &icmp)
        icmp += payload
        let checksum = icmp.withUnsafeBytes { InternetChecksum.compute($0) }
        icmp.withUnsafeMutableBytes { InternetChecksum.store(checksum, into: $0, at: 2) }
        return frame(ipv4(protocolNumber: 1, from: source, to: destination, ipID: ipID, payload: icmp))
    }

    /// A TCP SYN frame (data offset 5, no options).
    public func tcpSYN(
        from source: IPv4Address, sourcePort: UInt16, to destination: IPv4Address, destinationPort: UInt16,
        sequence: UInt32 = 0, window: UInt16 = 65_535, ipID: UInt16 = 0
    ) -> [UInt8] {
        tcp(
            from: source, sourcePort: sourcePort, to: destination, destinationPort: destinationPort,
            sequence: sequence, flags: .syn, window: window, ipID: ipID)
    }

    /// A TCP segment frame with any flags and data (data offset 5, no options).
    public func tcp(
        from source: IPv4Address, sourcePort: UInt16, to destination: IPv4Address, destinationPort: UInt16,
        sequence: UInt32 = 0, acknowledgment: UInt32 = 0, flags: TCPHeader.Flags, window: UInt16 = 65_535,
        ipID: UInt16 = 0, payload: [UInt8] = []
    ) -> [UInt8] {
        var segment: [UInt8] = []
        segment.reserveCapacity(20 + payload.count)
        appendBigEndian16(sourcePort, to: &segment)
        appendBigEndian16(destinationPort, to: &segment)
        appendBigEndian32(sequence, to: &segment)
        appendBigEndian32(acknowledgment, to: &segment)
        segment.append(UInt8(5 << 4) | UInt8(flags.rawValue >> 8 & 1))
        segment.append(UInt8(truncatingIfNeeded: flags.rawValue))
        appendBigEndian16(window, to: &segment)
        segment += [0, 0, 0, 0]
        segment += payload
        storeTransportChecksum(&segment, at: 16, protocolNumber: 6, source: source, destination: destination)
        return frame(ipv4(protocolNumber: 6, from: source, to: destination, ipID: ipID, payload: segment))
    }

    /// A UDP datagram frame.
    public func udp(
        from source: IPv4Address, sourcePort: UInt16, to destination: IPv4Address, destinationPort: UInt16,
        ipID: UInt16 = 0, payload: [UInt8] = []
    ) -> [UInt8] {
        var datagram: [UInt8] = []
        datagram.reserveCapacity(8 + payload.count)
        appendBigEndian16(sourcePort, to: &datagram)
        appendBigEndian16(destinationPort, to: &datagram)
        appendBigEndian16(UInt16(truncatingIfNeeded: 8 + payload.count), to: &datagram)
        datagram += [0, 0]
        datagram += payload
        storeTransportChecksum(&datagram, at: 6, protocolNumber: 17, source: source, destination: destination)
        return frame(ipv4(protocolNumber: 17, from: source, to: destination, ipID: ipID, payload: datagram))
    }

    /// An IPv4 datagram (20-byte header, correct checksum) around `payload`, without link layer.
    /// - Parameters:
    ///   - flags: The three flag bits (2 is don't-fragment, 1 more-fragments).
    ///   - fragmentOffset: In 8-byte units.
    public func ipv4(
        protocolNumber: UInt8, from source: IPv4Address, to destination: IPv4Address, ipID: UInt16 = 0,
        flags: UInt8 = 0, fragmentOffset: UInt16 = 0, tos: UInt8 = 0, payload: [UInt8]
    ) -> [UInt8] {
        var datagram: [UInt8] = []
        datagram.reserveCapacity(20 + payload.count)
        datagram += [0x45, tos]
        appendBigEndian16(UInt16(truncatingIfNeeded: 20 + payload.count), to: &datagram)
        appendBigEndian16(ipID, to: &datagram)
        appendBigEndian16(UInt16(flags & 7) << 13 | fragmentOffset & 0x1FFF, to: &datagram)
        datagram += [ttl, protocolNumber, 0, 0]
        appendBigEndian32(source.rawValue, to: &datagram)
        appendBigEndian32(destination.rawValue, to: &datagram)
        let checksum = datagram.withUnsafeBytes { InternetChecksum.compute($0) }
        datagram.withUnsafeMutableBytes { InternetChecksum.store(checksum, into: $0, at: 10) }
        datagram += payload
        return datagram
    }

    /// Splits an IPv4 datagram (no link layer, 20-byte header) into fragments carrying at most
    /// `maxPayload` bytes each (rounded down to a multiple of 8), with correct header checksums.
    public func fragments(of datagram: [UInt8], maxPayload: Int) -> [[UInt8]] {
        guard datagram.count > 20 else { return [datagram] }
        let chunk = max(8, maxPayload / 8 * 8)
        let header = Array(datagram[..<20])
        let payload = Array(datagram[20...])
        let identification = UInt16(header[4]) << 8 | UInt16(header[5])
        let source = IPv4Address(
            rawValue: UInt32(header[12]) << 24 | UInt32(header[13]) << 16 | UInt32(header[14]) << 8 | UInt32(header[15])
        )
        let destination = IPv4Address(
            rawValue: UInt32(header[16]) << 24 | UInt32(header[17]) << 16 | UInt32(header[18]) << 8 | UInt32(header[19])
        )
        var result: [[UInt8]] = []
        var start = 0
        while start < payload.count {
            let end = min(start + chunk, payload.count)
            result.append(
                ipv4(
                    protocolNumber: header[9], from: source, to: destination, ipID: identification,
                    flags: end < payload.count ? 1 : 0, fragmentOffset: UInt16(start / 8), tos: header[1],
                    payload: Array(payload[start..<end])))
            start = end
        }
        return result
    }

    /// `datagram` (an IP packet) framed for ``linkType``: an Ethernet II header with ethertype
    /// IPv4 (or IPv6 when the version nibble says so), or nothing for raw IP.
    public func frame(_ datagram: [UInt8]) -> [UInt8] {
        guard linkType == .ethernet else { return datagram }
        var frame: [UInt8] = []
        frame.reserveCapacity(14 + datagram.count)
        frame += destinationMAC.prefix(6)
        frame += sourceMAC.prefix(6)
        frame += datagram.first.map { $0 >> 4 == 6 } == true ? [0x86, 0xDD] : [0x08, 0x00]
        frame += datagram
        return frame
    }

    private func storeTransportChecksum(
        _ segment: inout [UInt8], at offset: Int, protocolNumber: UInt8, source: IPv4Address, destination: IPv4Address
    ) {
        var pseudo: [UInt8] = []
        pseudo.reserveCapacity(12 + segment.count)
        appendBigEndian32(source.rawValue, to: &pseudo)
        appendBigEndian32(destination.rawValue, to: &pseudo)
        pseudo += [0, protocolNumber]
        appendBigEndian16(UInt16(truncatingIfNeeded: segment.count), to: &pseudo)
        pseudo += segment
        var checksum = pseudo.withUnsafeBytes { InternetChecksum.compute($0) }
        if protocolNumber == 17, checksum == 0 { checksum = 0xFFFF }
        segment.withUnsafeMutableBytes { InternetChecksum.store(checksum, into: $0, at: offset) }
    }

    private func appendBigEndian16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    private func appendBigEndian32(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes.append(UInt8(value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }
}
