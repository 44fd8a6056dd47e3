// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// One decoded packet: header fields copied into small structs, payloads as ranges of ``bytes``.
///
/// **Lifetime:** ``bytes`` (and so ``ipBlob`` and ``payload``) point into the capture buffer
/// that libpcap lends for one call of the loop body, or into the reassembler's buffer for a
/// reassembled datagram. They are valid only inside the ``PacketDecoder/decode(_:_:_:)``
/// callback; copy what must outlive it (`Array(packet.payload)`). The header fields are plain
/// values and can be kept.
public struct DecodedPacket {
    /// The transport decoded from an IPv4 packet.
    public enum Transport: Hashable, Sendable {
        /// A TCP segment: ``DecodedPacket/tcp`` is set.
        case tcp
        /// A UDP datagram: ``DecodedPacket/udp`` is set.
        case udp
        /// An ICMP message: ``DecodedPacket/icmp`` is set.
        case icmp
        /// Another IP protocol; ``DecodedPacket/payload`` is the IP payload.
        case other
        /// A fragment (the transport is decoded from the reassembled datagram, delivered separately).
        case fragment
        /// Not IPv4 (an IPv6 packet): no transport is decoded.
        case none
    }

    /// The captured bytes (from the link header on), or the reassembled IP datagram.
    public var bytes: UnsafeRawBufferPointer
    /// Time and lengths from the capture (for a reassembled datagram: the completing fragment's
    /// time, and the datagram's length as both lengths).
    public var header: PcapPacketHeader
    /// The link type of ``bytes`` (``LinkType/ipv4`` for a reassembled datagram).
    public var linkType: LinkType
    /// The outermost 802.1Q VLAN identifier, if the frame had a tag.
    public var vlanID: UInt16?
    /// Offset of the IP header in ``bytes``.
    public var networkOffset: Int
    /// The IPv4 header (nil for IPv6).
    public var ipv4: IPv4Header?
    /// The IPv6 fixed header (nil for IPv4).
    public var ipv6: IPv6Header?
    /// Which transport header was decoded.
    public var transport: Transport
    public var tcp: TCPHeader?
    public var udp: UDPHeader?
    public var icmp: ICMPHeader?
    /// The bytes after the IP header, bounded by the IP length and the captured length: `ip.blob`.
    public var ipPayloadRange: Range<Int>
    /// The transport payload: TCP data, UDP data, the ICMP body after its 8-byte header, or the
    /// IP payload for other protocols and fragments.
    public var payloadRange: Range<Int>
    /// Whether this datagram was put together from fragments by ``IPv4Reassembler``.
    public var isReassembled: Bool

    public init(
        bytes: UnsafeRawBufferPointer, header: PcapPacketHeader, linkType: LinkType, vlanID: UInt16? = nil,
        networkOffset: Int, ipv4: IPv4Header? = nil, ipv6: IPv6Header? = nil, transport: Transport,
        tcp: TCPHeader? = nil, udp: UDPHeader? = nil, icmp: ICMPHeader? = nil, ipPayloadRange: Range<Int>,
        payloadRange: Range<Int>, isReassembled: Bool = false
    ) {
        self.bytes = bytes
        self.header = header
        self.linkType = linkType
        self.vlanID = vlanID
        self.networkOffset = networkOffset
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.transport = transport
        self.tcp = tcp
        self.udp = udp
        self.icmp = icmp
        self.ipPayloadRange = ipPayloadRange
        self.payloadRange = payloadRange
        self.isReassembled = isReassembled
    }

    /// `ip.blob`: the bytes after the IP header (valid only inside the decode callback).
    public var ipBlob: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[ipPayloadRange]) }

    /// The transport payload (valid only inside the decode callback).
    public var payload: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[payloadRange]) }

    /// The IP header and everything after it that was captured (valid only inside the callback).
    public var ipDatagram: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[networkOffset..<ipPayloadRange.upperBound])
    }

    /// Whether this is an IPv4 fragment (as captured, not reassembled).
    public var isFragment: Bool { transport == .fragment }
}
