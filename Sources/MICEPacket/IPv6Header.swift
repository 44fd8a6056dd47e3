// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The fixed IPv6 header's fields (extension headers and the transport are not decoded).
public struct IPv6Header: Hashable, Sendable {
    /// Traffic class.
    public var trafficClass: UInt8
    /// Flow label (20 bits).
    public var flowLabel: UInt32
    /// Payload length field (bytes after the 40-byte header).
    public var payloadLength: UInt16
    /// Next header (the first extension header or the transport protocol).
    public var nextHeader: UInt8
    /// Hop limit.
    public var hopLimit: UInt8
    /// Source address.
    public var source: IPv6Address
    /// Destination address.
    public var destination: IPv6Address

    public init(
        trafficClass: UInt8, flowLabel: UInt32, payloadLength: UInt16, nextHeader: UInt8, hopLimit: UInt8,
        source: IPv6Address, destination: IPv6Address
    ) {
        self.trafficClass = trafficClass
        self.flowLabel = flowLabel
        self.payloadLength = payloadLength
        self.nextHeader = nextHeader
        self.hopLimit = hopLimit
        self.source = source
        self.destination = destination
    }
}
