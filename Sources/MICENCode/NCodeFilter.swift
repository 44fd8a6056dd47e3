// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The protocol layer a `filter` is triggered by.
public enum NCodeLayer: String, Sendable, Hashable, CaseIterable {
    /// Every IPv4 packet.
    case ip
    /// TCP packets (protocol 6).
    case tcp
    /// UDP packets (protocol 17).
    case udp
    /// ICMP packets (protocol 1).
    case icmp

    /// The IP protocol number the layer requires, nil for `ip`.
    public var ipProtocol: Int? {
        switch self {
        case .ip: return nil
        case .tcp: return 6
        case .udp: return 17
        case .icmp: return 1
        }
    }
}

/// One argument of a filter's parentheses: `client`, `dport: 23`, `src: 10.0.0.1`, `start: "GET"`.
public struct NCodeFilterArgument: Sendable, Hashable {
    /// The key (`dport`) or bare word (`client`).
    public var key: String
    /// The value after `:`, evaluated when the program was compiled and again after
    /// ``NCodeProgram/runTopLevel()`` (so a global assigned at the top level can be used); nil for a bare word.
    public var value: NCodeValue?

    public init(key: String, value: NCodeValue?) {
        self.key = key
        self.value = value
    }
}

/// A compiled `filter NAME layer ( arguments ) { ... }`.
public struct NCodeFilter: Sendable {
    /// The filter's name.
    public var name: String
    /// What triggers it.
    public var layer: NCodeLayer
    /// The arguments, in source order.
    public var arguments: [NCodeFilterArgument]
    /// The `.nfr` file that defines it.
    public var path: String
    /// The line of the `filter` keyword.
    public var line: Int

    public init(name: String, layer: NCodeLayer, arguments: [NCodeFilterArgument], path: String, line: Int) {
        self.name = name
        self.layer = layer
        self.arguments = arguments
        self.path = path
        self.line = line
    }

    /// Whether the filter's layer and its port and host arguments accept `packet`: `port`
    /// (either port), `sport`, `dport` (an int or a list of ints), `src`, `dst`, `host` (either
    /// address; a host, network or list, as `inside` tests). All given arguments must hold. Other
    /// keys and bare words (`client`, `server`, `start`, `stop`) are stream options left to the engine.
    public func matches(_ packet: NCodePacket) -> Bool {
        if let wanted = layer.ipProtocol, packet.ipProtocol != wanted { return false }
        for argument in arguments {
            guard let value = argument.value else { continue }
            let hasPorts = packet.ipProtocol == 6 || packet.ipProtocol == 17
            switch argument.key {
            case "port":
                guard hasPorts, Self.port(packet.sport, value) || Self.port(packet.dport, value) else { return false }
            case "sport":
                guard hasPorts, Self.port(packet.sport, value) else { return false }
            case "dport":
                guard hasPorts, Self.port(packet.dport, value) else { return false }
            case "src":
                guard NCodeOperators.hostInside(packet.ipSrc, value) else { return false }
            case "dst":
                guard NCodeOperators.hostInside(packet.ipDst, value) else { return false }
            case "host":
                guard NCodeOperators.hostInside(packet.ipSrc, value) || NCodeOperators.hostInside(packet.ipDst, value)
                else { return false }
            default: continue
            }
        }
        return true
    }

    private static func port(_ port: Int, _ value: NCodeValue) -> Bool {
        NCodeValue.int(port).ncodeEquals(value)
    }
}
