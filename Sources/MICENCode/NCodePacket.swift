// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The decoded packet a filter runs on, filled by the engine; valid during one call only.
public struct NCodePacket {
    /// Packet time in seconds since the epoch (what `system.time` returns).
    public var time: Int
    /// Microseconds within `time`.
    public var timeMicros: Int
    /// `ip.src`, host byte order.
    public var ipSrc: UInt32
    /// `ip.dst`, host byte order.
    public var ipDst: UInt32
    /// `ip.protocol`.
    public var ipProtocol: Int
    /// `ip.len`: the IP total length.
    public var ipLength: Int
    /// `ip.ttl`.
    public var ipTTL: Int
    /// `ip.id`.
    public var ipID: Int
    /// `ip.tos`.
    public var ipTOS: Int
    /// `ip.blob`: the bytes after the IP header (the engine keeps them alive during the call).
    public var blob: UnsafeRawBufferPointer
    /// `tcp.sport` / `udp.sport`; 0 when neither TCP nor UDP.
    public var sport: Int
    /// `tcp.dport` / `udp.dport`; 0 when neither TCP nor UDP.
    public var dport: Int
    /// `tcp.flags`; 0 when not TCP.
    public var tcpFlags: Int
    /// `icmp.type`.
    public var icmpType: Int
    /// `icmp.code`.
    public var icmpCode: Int

    public init(
        time: Int = 0, timeMicros: Int = 0, ipSrc: UInt32 = 0, ipDst: UInt32 = 0, ipProtocol: Int = 0,
        ipLength: Int = 0, ipTTL: Int = 0, ipID: Int = 0, ipTOS: Int = 0,
        blob: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
        sport: Int = 0, dport: Int = 0, tcpFlags: Int = 0, icmpType: Int = 0, icmpCode: Int = 0
    ) {
        self.time = time
        self.timeMicros = timeMicros
        self.ipSrc = ipSrc
        self.ipDst = ipDst
        self.ipProtocol = ipProtocol
        self.ipLength = ipLength
        self.ipTTL = ipTTL
        self.ipID = ipID
        self.ipTOS = ipTOS
        self.blob = blob
        self.sport = sport
        self.dport = dport
        self.tcpFlags = tcpFlags
        self.icmpType = icmpType
        self.icmpCode = icmpCode
    }
}
