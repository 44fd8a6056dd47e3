// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#endif

/// This host's name and `uname` fields, as the format modules report them.
public struct SystemIdentity: Hashable, Sendable {
    /// `gethostname()`, or "ERROR".
    public var host: String
    /// `uname` sysname, or "ERROR".
    public var sysname: String
    /// `uname` release, or "ERROR".
    public var release: String
    /// `uname` version, or "ERROR".
    public var version: String

    /// Creates an identity from given values.
    public init(host: String, sysname: String, release: String, version: String) {
        self.host = host
        self.sysname = sysname
        self.release = release
        self.version = version
    }

    /// Reads this host's name and `uname` fields; a failing call gives "ERROR" for its fields.
    public static func current() -> SystemIdentity {
        var name = [CChar](repeating: 0, count: 256)
        let host =
            gethostname(&name, name.count - 1) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "ERROR"
        var info = utsname()
        guard uname(&info) == 0 else {
            return SystemIdentity(host: host, sysname: "ERROR", release: "ERROR", version: "ERROR")
        }
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return SystemIdentity(
            host: host,
            sysname: text(info.sysname),
            release: text(info.release),
            version: text(info.version)
        )
    }

    /// The first IPv4 address of `name`, dotted, or nil.
    /// - Parameter name: A host name (resolved through the C library: files, DNS, ...).
    /// - Returns: The dotted address, or nil when `name` does not resolve to IPv4.
    public static func resolveIPv4(_ name: String) -> String? {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        guard let address = first.pointee.ai_addr else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        let found = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer -> Bool in
            var inet = pointer.pointee.sin_addr
            return inet_ntop(AF_INET, &inet, &text, socklen_t(text.count)) != nil
        }
        return found ? String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }
}
