// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Where a link listens or connects: a TCP host and port, or a Unix stream socket path.
public enum LinkEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// TCP; port 0 lets a listener pick a free port (see ``LinkServer/port``).
    case tcp(host: String, port: Int)
    /// A Unix domain stream socket at this path.
    case unix(path: String)

    /// The original BufferDaemon rule (spec §7.2): a BINDTO value starting with '/' is a Unix socket
    /// path and PORT is ignored; anything else is a host for TCP on `port`.
    /// - Throws: ``LinkError`` with ``LinkError/Code/badEndpoint`` for an empty host or a port out of range.
    public static func parse(bindTo: String, port: Int?) throws -> LinkEndpoint {
        if bindTo.hasPrefix("/") { return .unix(path: bindTo) }
        guard !bindTo.isEmpty else { throw LinkError(.badEndpoint, "empty host") }
        guard let port, (0...65535).contains(port) else {
            throw LinkError(
                .badEndpoint, "port \(port.map(String.init) ?? "missing") for host \(bindTo) is not 0–65535")
        }
        return .tcp(host: bindTo, port: port)
    }

    /// `host:port` or `[v6]:port` (blanks after the colon allowed), a port 1–65535: how
    /// configurations and command lines name a peer.
    /// - Throws: ``LinkError`` with ``LinkError/Code/badEndpoint`` naming the text.
    public static func parse(hostPort text: String) throws -> LinkEndpoint {
        var host: Substring
        var portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(after: close)...].drop(while: { $0 == ":" })
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            throw LinkError(.badEndpoint, "\"\(text)\" is not host:port")
        }
        host = host.drop(while: { $0 == " " })
        portText = portText.drop(while: { $0 == " " })
        guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else {
            throw LinkError(.badEndpoint, "\"\(text)\" is not host:port with a port 1–65535")
        }
        return .tcp(host: String(host), port: port)
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return "unix:\(path)"
        }
    }
}
