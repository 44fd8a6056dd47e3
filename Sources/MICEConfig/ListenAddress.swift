// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Where a BufferDaemon entry listens: a TCP address and port, or a Unix stream socket path
/// (a BINDTO value starting with `/`).
public enum ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// A TCP listener on `host` (an address or name; `0.0.0.0` for all IPv4 addresses) and `port`.
    case tcp(host: String, port: Int)
    /// A Unix domain stream socket at `path`.
    case unix(path: String)

    public var description: String {
        switch self {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return "unix:\(path)"
        }
    }
}
