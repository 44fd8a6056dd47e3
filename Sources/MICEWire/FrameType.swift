// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The type field of a frame header.
///
/// A struct over the raw value rather than an enum, so that a receiver can carry, count and
/// ignore types it does not know (docs/plugin-protocol.md, "Unknown frame types").
public struct FrameType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Module to host, first frame: magic, protocol version, name (JSON).
    public static let hello = FrameType(rawValue: 1)
    /// Host to module: chosen version, limits, the module's configuration (JSON).
    public static let configure = FrameType(rawValue: 2)
    /// Module to host: configuration accepted; carries what the original `init` returned (JSON).
    public static let ready = FrameType(rawValue: 3)
    /// Host to module: one call of the module function, with the original arguments (binary).
    public static let call = FrameType(rawValue: 4)
    /// Module to host: the result of the call with the same request id (binary).
    public static let reply = FrameType(rawValue: 5)
    /// Either direction: an error, for one request (id) or for the whole session (id 0) (JSON).
    public static let error = FrameType(rawValue: 6)
    /// Host to module: liveness probe.
    public static let ping = FrameType(rawValue: 7)
    /// Module to host: answer to PING with the same id.
    public static let pong = FrameType(rawValue: 8)
    /// Host to module: finish what is in flight, then exit 0.
    public static let shutdown = FrameType(rawValue: 9)

    // Daemon-to-daemon links in acknowledged mode (docs/link-protocol.md).

    /// Sender to receiver: one record, exactly the bytes of the legacy wire; id = sequence number (≥ 1).
    public static let record = FrameType(rawValue: 20)
    /// Receiver to sender: every record with a sequence number up to id is durable (cumulative, empty payload).
    public static let ack = FrameType(rawValue: 21)
    /// Sender to receiver, first frame of a link: protocol, versions, link name, sender identity, record size (JSON).
    public static let linkHello = FrameType(rawValue: 22)
    /// Receiver to sender: link accepted; chosen version and the highest durable sequence number (JSON).
    public static let linkReady = FrameType(rawValue: 23)

    public var description: String {
        switch self {
        case .hello: return "HELLO"
        case .configure: return "CONFIGURE"
        case .ready: return "READY"
        case .call: return "CALL"
        case .reply: return "REPLY"
        case .error: return "ERROR"
        case .ping: return "PING"
        case .pong: return "PONG"
        case .shutdown: return "SHUTDOWN"
        case .record: return "RECORD"
        case .ack: return "ACK"
        case .linkHello: return "LINK_HELLO"
        case .linkReady: return "LINK_READY"
        default: return "TYPE(\(rawValue))"
        }
    }
}
