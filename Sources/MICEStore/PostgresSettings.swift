// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// Where and how to reach the PostgreSQL server of the raw-log database.
public struct PostgresSettings: Hashable, Sendable, CustomStringConvertible {
    /// Whether the connection uses TLS (libpq's `sslmode` words).
    public enum TLSMode: String, Hashable, Sendable, CaseIterable {
        /// Plain TCP (the default; for loopback or a trusted network).
        case disable
        /// TLS when the server offers it, plain otherwise.
        case prefer
        /// TLS with the server's certificate verified against the system's trust roots.
        case require
    }

    /// The server's host name or address, or a directory holding its Unix-domain socket
    /// (a value starting with `/`, as libpq takes it).
    public var host: String
    /// The server's port (also names the socket file `.s.PGSQL.<port>`).
    public var port: Int
    /// The role to log in as.
    public var user: String
    /// Its password, if the server asks for one.
    public var password: String?
    /// The database; the role's name when nil.
    public var database: String?
    /// TLS use.
    public var tls: TLSMode
    /// How long connecting may take.
    public var connectTimeout: Duration

    public init(
        host: String = "127.0.0.1", port: Int = 5432, user: String = "mice", password: String? = nil,
        database: String? = nil, tls: TLSMode = .disable, connectTimeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
        self.connectTimeout = connectTimeout
    }

    /// Reads a URL `postgres://user:password@host:port/database?sslmode=disable|prefer|require`
    /// (scheme `postgresql` too; user, password and database percent-decoded; a socket directory
    /// as `host` query item: `postgres:///rawlog?host=/run/postgresql`).
    /// - Throws: ``StoreError`` `invalidSettings` naming `url`; the message never shows the password.
    public init(url: String) throws {
        let problem = { (detail: String) in
            StoreError(.invalidSettings, key: "url", "\(detail) (expected postgres://user:password@host:port/database)")
        }
        guard let components = URLComponents(string: url) else { throw problem("not a URL") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw problem("the scheme must be postgres or postgresql")
        }
        self.init()
        if let host = components.host, !host.isEmpty {
            self.host = host.removingPercentEncoding ?? host
        }
        if let port = components.port {
            guard (1...65535).contains(port) else { throw problem("port \(port) is out of range") }
            self.port = port
        }
        if let user = components.percentEncodedUser, !user.isEmpty {
            self.user = user.removingPercentEncoding ?? user
        }
        password = components.percentEncodedPassword.map { $0.removingPercentEncoding ?? $0 }
        let path = components.percentEncodedPath
        if path.count > 1 {
            let name = String(path.dropFirst())
            database = name.removingPercentEncoding ?? name
        }
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw problem("sslmode must be disable, prefer or require")
                }
                tls = mode
            case "host":
                guard let value = item.value, !value.isEmpty else { throw problem("empty host") }
                host = value
            case "connect_timeout":
                guard let value = item.value, let seconds = Int(value), seconds > 0 else {
                    throw problem("connect_timeout must be a positive number of seconds")
                }
                connectTimeout = .seconds(seconds)
            default:
                throw problem("unknown parameter \"\(item.name)\" (sslmode, host, connect_timeout)")
            }
        }
    }

    /// The database actually used.
    public var databaseName: String { database ?? user }

    /// True when `host` names a Unix-domain socket directory.
    public var usesUnixSocket: Bool { host.hasPrefix("/") }

    /// The socket file for ``usesUnixSocket``.
    public var socketPath: String { "\(host)/.s.PGSQL.\(port)" }

    /// `postgres://user@host:port/database`, without the password.
    public var description: String {
        usesUnixSocket
            ? "postgres://\(user)@/\(databaseName)?host=\(host) (port \(port))"
            : "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(databaseName)"
    }
}
