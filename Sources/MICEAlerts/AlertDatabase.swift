// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICEStore

/// The alert database a module's configuration names, used from synchronous code (a module's
/// frame loop or an agent's reader thread). Keys: `backend` (sqlite or postgres), `path`
/// (sqlite; relative to the state directory), `synchronous` (full or normal), `url`, `host`,
/// `port`, `dbUser`, `password`, `database`, `sslmode`, `connectTimeoutSeconds` (postgres).
public enum AlertDatabase: Sendable {
    case sqlite(SQLiteAlertStore)
    case postgres(PostgresAlertStore)

    /// Opens the database `config` names.
    /// - Parameters:
    ///   - config: The module's configuration object.
    ///   - stateDirectory: Where a relative SQLite path lives.
    /// - Throws: ``AlertConfigError`` naming the key; a PostgreSQL server that is down is no error
    ///   (every insert tries again).
    public init(config: JSONValue, stateDirectory: String?) throws(AlertConfigError) {
        func string(_ key: String) throws(AlertConfigError) -> String? {
            switch config[key] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            case let other?:
                throw AlertConfigError(.invalidSetting, key: key, "expected a string, found \(other.typeName)")
            }
        }
        switch try string("backend") ?? "sqlite" {
        case "sqlite":
            var path = try string("path") ?? "alerts.sqlite"
            if !path.hasPrefix("/") {
                guard let stateDirectory, !stateDirectory.isEmpty else {
                    throw AlertConfigError(
                        .invalidSetting, key: "path", "relative path \"\(path)\" but no state directory")
                }
                path = stateDirectory + "/" + path
            }
            let synchronous = try string("synchronous") ?? "full"
            guard ["full", "normal"].contains(synchronous) else {
                throw AlertConfigError(.invalidSetting, key: "synchronous", "expected full or normal")
            }
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            do {
                self = .sqlite(try SQLiteAlertStore(path: path, synchronousFull: synchronous == "full"))
            } catch {
                throw AlertConfigError(.invalidSetting, key: "path", "\(error)")
            }
        case "postgres", "postgresql":
            var settings = PostgresSettings()
            if let url = try string("url") {
                do {
                    settings = try PostgresSettings(url: url)
                } catch {
                    throw AlertConfigError(
                        .invalidSetting, key: "url", "\((error as? StoreError)?.detail ?? "invalid URL")")
                }
            }
            if let host = try string("host") { settings.host = host }
            if let port = config["port"], port != .null {
                guard let number = port.intValue, (1...65535).contains(number) else {
                    throw AlertConfigError(.invalidSetting, key: "port", "expected 1…65535")
                }
                settings.port = Int(number)
            }
            if let user = try string("dbUser") { settings.user = user }
            if let password = try string("password") { settings.password = password }
            if let database = try string("database") { settings.database = database }
            if let mode = try string("sslmode") {
                guard let tls = PostgresSettings.TLSMode(rawValue: mode) else {
                    throw AlertConfigError(.invalidSetting, key: "sslmode", "expected disable, prefer or require")
                }
                settings.tls = tls
            }
            if let timeout = config["connectTimeoutSeconds"]?.intValue, (1...300).contains(timeout) {
                settings.connectTimeout = .seconds(timeout)
            }
            self = .postgres(PostgresAlertStore(settings: settings))
        case let other:
            throw AlertConfigError(.invalidSetting, key: "backend", "unknown backend \"\(other)\" (sqlite or postgres)")
        }
    }

    /// Where the data lives.
    public var location: String {
        switch self {
        case .sqlite(let store): return store.location
        case .postgres(let store): return store.location
        }
    }

    /// Stores `rows` in one transaction; returns after the commit.
    @available(*, noasync, message: "use the store's async insert")
    public func insert(_ rows: [AlertRow]) throws {
        switch self {
        case .sqlite(let store): try store.insertSynchronously(rows)
        case .postgres(let store): try BlockingTask.run { try await store.insert(rows) }
        }
    }

    /// Closes the database.
    @available(*, noasync, message: "use the store's async close")
    public func close() {
        switch self {
        case .sqlite(let store): try? BlockingTask.run { try await store.close() }
        case .postgres(let store): try? BlockingTask.run { try await store.close() }
        }
    }
}
