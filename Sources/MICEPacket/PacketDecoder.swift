// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Decodes captured frames of one link type into ``DecodedPacket`` values, counts everything in
/// ``counters``, and (when on) reassembles IPv4 fragments.
///
/// Reuse one decoder for a whole capture. A packet that is not a fragment is decoded without
/// any allocation: header fields are read from the buffer into the packet's structs and the
/// payloads are ranges of the buffer. Every read is bounded by the captured length; a packet
/// whose headers are cut short or lie about their lengths is counted by ``UndecodableReason``
/// and not delivered.
///
/// Fragments are delivered as they come (``DecodedPacket/Transport/fragment``, no transport
/// decoded) and, when ``IPv4Reassembler`` completes their datagram, the datagram is delivered
/// too, decoded like any packet, with ``DecodedPacket/isReassembled`` set.
///
/// ```swift
/// let source = try PcapSource(file: "trace.pcap")
/// var decoder = PacketDecoder(linkType: source.linkType)
/// try source.forEachPacket { header, bytes in
///     decoder.decode(header, bytes) { packet in
///         if let tcp = packet.tcp, tcp.flags.contains(.syn) { print(packet.ipv4!.source) }
///     }
/// }
/// ```
public struct PacketDecoder {
    /// The link type of the frames handed to ``decode(_:_:_:)``.
    public let linkType: LinkType
    /// What the decoder has seen so far.
    public private(set) var counters = PacketCounters()
    /// The fragment reassembler, nil when reassembly is off.
    public private(set) var reassembler: IPv4Reassembler?
    /// Fragments cut by the snap length (they cannot be reassembled).
    private var snappedFragments: UInt64 = 0

    /// A decoder for one capture.
    /// - Parameters:
    ///   - linkType: The capture's link type (``PcapSource/linkType``).
    ///   - reassembly: Bounds for IPv4 reassembly, or nil to deliver fragments only.
    public init(linkType: LinkType, reassembly: IPv4Reassembler.Limits? = IPv4Reassembler.Limits()) {
        self.linkType = linkType
        reassembler = reassembly.map { IPv4Reassembler(limits: $0) }
    }

    /// Decodes one captured frame and hands the result (and a datagram it completes) to `deliver`.
    /// - Parameters:
    ///   - header: The capture header (time, lengths).
    ///   - bytes: The captured bytes (``PcapPacketHeader/capturedLength`` of them).
    ///   - deliver: Called for each decoded packet; the packet's buffers are valid only during the call.
    public mutating func decode(
        _ header: PcapPacketHeader, _ bytes: UnsafeRawBufferPointer, _ deliver: (DecodedPacket) throws -> Void
    ) rethrows {
        counters.total &+= 1
        switch Self.parse(bytes, header: header, linkType: linkType) {
        case .nonIP:
            counters.nonIP &+= 1
        case .undecodable(let reason):
            counters.count(reason)
        case .packet(let packet):
            guard let ip = packet.ipv4 else {
                counters.ipv6 &+= 1
                try deliver(packet)
                return
            }
            counters.ipv4 &+= 1
            countTransport(packet.transport)
            try deliver(packet)
            if packet.transport == .fragment, reassembler != nil {
                try reassemble(packet, ip, deliver)
            }
        }
    }

    /// Decodes one frame on its own, without counting or reassembly: the packet, or why not.
    /// - Returns: The packet (buffers valid as long as `bytes`), `.nonIP`, or the reason it is undecodable.
    public static func decodeFrame(
        _ bytes: UnsafeRawBufferPointer, header: PcapPacketHeader, linkType: LinkType
    ) -> FrameResult {
        parse(bytes, header: header, linkType: linkType)
    }

    /// The result of ``decodeFrame(_:header:linkType:)``.
    public enum FrameResult {
        /// An IPv4 or IPv6 packet.
        case packet(DecodedPacket)
        /// A frame without IP.
        case nonIP
        /// A frame that could not be decoded.
        case undecodable(UndecodableReason)
    }

    // MARK: - Reassembly

    private mutating func reassemble(
        _ fragment: DecodedPacket, _ ip: IPv4Header, _ deliver: (DecodedPacket) throws -> Void
    ) rethrows {
        counters.fragments &+= 1
        let datagramEnd = fragment.networkOffset + Int(ip.totalLength)
        let outcome: IPv4Reassembler.Outcome
        if datagramEnd <= fragment.bytes.count {
            let datagram = UnsafeRawBufferPointer(rebasing: fragment.bytes[fragment.networkOffset..<datagramEnd])
            outcome = reassembler!.add(ip, datagram: datagram, time: fragment.header.timeNanoseconds)
        } else {
            outcome = .rejected
            snappedFragments &+= 1
        }
        syncReassemblyCounters()
        guard outcome == .completed else { return }
        let output = reassembler!.takeOutput()
        defer { reassembler!.restoreOutput(output) }
        try output.withUnsafeBytes { datagram in
            let header = PcapPacketHeader(
                seconds: fragment.header.seconds, nanoseconds: fragment.header.nanoseconds,
                capturedLength: datagram.count, originalLength: datagram.count)
            switch Self.parse(datagram, header: header, linkType: .ipv4) {
            case .packet(var packet):
                packet.isReassembled = true
                counters.reassembled &+= 1
                countTransport(packet.transport)
                try deliver(packet)
            case .nonIP, .undecodable:
                counters.reassembledUndecodable &+= 1
            }
        }
    }

    private mutating func syncReassemblyCounters() {
        guard let statistics = reassembler?.statistics else { return }
        counters.fragmentOverlapBytes = statistics.overlapBytes
        counters.reassemblyTimeouts = statistics.timeouts
        counters.reassemblyEvictions = statistics.evictions
        counters.reassemblyRejected = statistics.rejected + snappedFragments
    }

    @inline(__always)
    private mutating func countTransport(_ transport: DecodedPacket.Transport) {
        switch transport {
        case .tcp: counters.tcp &+= 1
        case .udp: counters.udp &+= 1
        case .icmp: counters.icmp &+= 1
        case .other: counters.otherIP &+= 1
        case .fragment, .none: break
        }
    }

    // MARK: - Parsing (pure)

    @inline(__always)
    static func parse(_ bytes: UnsafeRawBufferPointer, header: PcapPacketHeader, linkType: LinkType) -> FrameResult {
        var offset = 0
        var vlanID: UInt16?
        let version: UInt8
        switch linkType {
        case .ethernet:
            guard bytes.count >= 14 else { return .undecodable(.truncatedLinkHeader) }
            var etherType = bytes.bigEndian16(at: 12)
            offset = 14
            var tags = 0
            while etherType == 0x8100 || etherType == 0x88A8 || etherType == 0x9100 {
                tags += 1
                guard tags <= 4, bytes.count >= offset + 4 else { return .undecodable(.badVLANTag) }
                if vlanID == nil { vlanID = bytes.bigEndian16(at: offset) & 0x0FFF }
                etherType = bytes.bigEndian16(at: offset + 2)
                offset += 4
            }
            guard let ipVersion = ipVersion(etherType: etherType) else { return .nonIP }
            version = ipVersion
        case .linuxSLL:
            guard bytes.count >= 16 else { return .undecodable(.truncatedLinkHeader) }
            guard let ipVersion = ipVersion(etherType: bytes.bigEndian16(at: 14)) else { return .nonIP }
            version = ipVersion
            offset = 16
        case .linuxSLL2:
            guard bytes.count >= 20 else { return .undecodable(.truncatedLinkHeader) }
            guard let ipVersion = ipVersion(etherType: bytes.bigEndian16(at: 0)) else { return .nonIP }
            version = ipVersion
            offset = 20
        case .raw, .rawOpenBSD, .linktypeRaw:
            guard bytes.count >= 1 else { return .undecodable(.truncatedIPv4Header) }
            version = bytes[0] >> 4
            guard version == 4 || version == 6 else { return .undecodable(.badIPVersion) }
        case .ipv4:
            version = 4
        case .ipv6:
            version = 6
        case .null, .loop:
            guard bytes.count >= 4 else { return .undecodable(.truncatedLinkHeader) }
            let bigEndian = bytes.bigEndian32(at: 0)
            // DLT_NULL stores the family in the capturing host's order: a small number has its
            // non-zero byte first when that host was little-endian.
            let family = linkType == .loop || bigEndian & 0xFFFF_0000 == 0 ? bigEndian : bigEndian.byteSwapped
            switch family {
            case 2: version = 4
            case 10, 24, 28, 30: version = 6
            default: return .nonIP
            }
            offset = 4
        default:
            return .undecodable(.unsupportedLinkType)
        }
        if version == 4 {
            return parseIPv4(bytes, at: offset, header: header, linkType: linkType, vlanID: vlanID)
        }
        return parseIPv6(bytes, at: offset, header: header, linkType: linkType, vlanID: vlanID)
    }

    @inline(__always)
    private static func ipVersion(etherType: UInt16) -> UInt8? {
        switch etherType {
        case 0x0800: return 4
        case 0x86DD: return 6
        default: return nil
        }
    }

    @inline(__always)
    private static func parseIPv4(
        _ bytes: UnsafeRawBufferPointer, at offset: Int, header: PcapPacketHeader, linkType: LinkType,
        vlanID: UInt16?
    ) -> FrameResult {
        let available = bytes.count - offset
        guard available >= 20 else { return .undecodable(.truncatedIPv4Header) }
        let versionAndLength = bytes[offset]
        guard versionAndLength >> 4 == 4 else { return .undecodable(.badIPVersion) }
        let headerLength = Int(versionAndLength & 0x0F) &* 4
        guard headerLength >= 20 else { return .undecodable(.badIPv4HeaderLength) }
        guard available >= headerLength else { return .undecodable(.truncatedIPv4Header) }
        let totalLength = bytes.bigEndian16(at: offset + 2)
        guard Int(totalLength) >= headerLength else { return .undecodable(.badIPv4TotalLength) }
        let flagsAndOffset = bytes.bigEndian16(at: offset + 6)
        let ip = IPv4Header(
            headerLength: headerLength, tos: bytes[offset + 1], totalLength: totalLength,
            identification: bytes.bigEndian16(at: offset + 4), flags: UInt8(flagsAndOffset >> 13),
            fragmentOffset: flagsAndOffset & 0x1FFF, ttl: bytes[offset + 8], protocolNumber: bytes[offset + 9],
            checksum: bytes.bigEndian16(at: offset + 10),
            source: IPv4Address(rawValue: bytes.bigEndian32(at: offset + 12)),
            destination: IPv4Address(rawValue: bytes.bigEndian32(at: offset + 16)))
        let end = offset + min(Int(totalLength), available)
        let start = offset + headerLength
        var packet = DecodedPacket(
            bytes: bytes, header: header, linkType: linkType, vlanID: vlanID, networkOffset: offset, ipv4: ip,
            transport: .other, ipPayloadRange: start..<end, payloadRange: start..<end)
        if ip.isFragment {
            let claimed = Int(totalLength) - headerLength
            guard claimed > 0, !ip.moreFragments || claimed % 8 == 0,
                Int(totalLength) + ip.fragmentByteOffset <= 65_535
            else { return .undecodable(.badFragment) }
            packet.transport = .fragment
            return .packet(packet)
        }
        let segment = end - start
        switch ip.protocolNumber {
        case 6:
            guard segment >= 20 else { return .undecodable(.truncatedTCPHeader) }
            let offsetByte = bytes[start + 12]
            let dataOffset = Int(offsetByte >> 4) &* 4
            guard dataOffset >= 20 else { return .undecodable(.badTCPDataOffset) }
            guard segment >= dataOffset else { return .undecodable(.truncatedTCPHeader) }
            packet.transport = .tcp
            packet.tcp = TCPHeader(
                sourcePort: bytes.bigEndian16(at: start), destinationPort: bytes.bigEndian16(at: start + 2),
                sequence: bytes.bigEndian32(at: start + 4), acknowledgment: bytes.bigEndian32(at: start + 8),
                dataOffset: dataOffset,
                flags: TCPHeader.Flags(rawValue: UInt16(bytes[start + 13]) | UInt16(offsetByte & 1) << 8),
                window: bytes.bigEndian16(at: start + 14), checksum: bytes.bigEndian16(at: start + 16),
                urgentPointer: bytes.bigEndian16(at: start + 18))
            packet.payloadRange = (start + dataOffset)..<end
        case 17:
            guard segment >= 8 else { return .undecodable(.truncatedUDPHeader) }
            let length = bytes.bigEndian16(at: start + 4)
            guard length >= 8 else { return .undecodable(.badUDPLength) }
            packet.transport = .udp
            packet.udp = UDPHeader(
                sourcePort: bytes.bigEndian16(at: start), destinationPort: bytes.bigEndian16(at: start + 2),
                length: length, checksum: bytes.bigEndian16(at: start + 6))
            packet.payloadRange = (start + 8)..<min(start + Int(length), end)
        case 1:
            guard segment >= 8 else { return .undecodable(.truncatedICMPHeader) }
            packet.transport = .icmp
            packet.icmp = ICMPHeader(
                type: bytes[start], code: bytes[start + 1], checksum: bytes.bigEndian16(at: start + 2),
                identifier: bytes.bigEndian16(at: start + 4), sequence: bytes.bigEndian16(at: start + 6))
            packet.payloadRange = (start + 8)..<end
        default:
            break
        }
        return .packet(packet)
    }

    private static func parseIPv6(
        _ bytes: UnsafeRawBufferPointer, at offset: Int, header: PcapPacketHeader, linkType: LinkType,
        vlanID: UInt16?
    ) -> FrameResult {
        let available = bytes.count - offset
        guard available >= 40 else { return .undecodable(.truncatedIPv6Header) }
        let first = bytes.bigEndian32(at: offset)
        guard first >> 28 == 6 else { return .undecodable(.badIPVersion) }
        let payloadLength = bytes.bigEndian16(at: offset + 4)
        let ip = IPv6Header(
            trafficClass: UInt8(truncatingIfNeeded: first >> 20), flowLabel: first & 0xF_FFFF,
            payloadLength: payloadLength, nextHeader: bytes[offset + 6], hopLimit: bytes[offset + 7],
            source: IPv6Address(high: bytes.bigEndian64(at: offset + 8), low: bytes.bigEndian64(at: offset + 16)),
            destination: IPv6Address(high: bytes.bigEndian64(at: offset + 24), low: bytes.bigEndian64(at: offset + 32)))
        let start = offset + 40
        let end = start + min(Int(payloadLength), available - 40)
        return .packet(
            DecodedPacket(
                bytes: bytes, header: header, linkType: linkType, vlanID: vlanID, networkOffset: offset, ipv6: ip,
                transport: .none, ipPayloadRange: start..<end, payloadRange: start..<end))
    }
}
