// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEPluginKit
import MICERecords
import MICEStore

/// The configured backend, used from the module's synchronous frame loop.
enum RawLogDatabase {
    case sqlite(SQLiteRawLogStore)
    case postgres(PostgresRawLogStore)

    /// Opens the database the configuration names.
    init(context: PluginContext) throws {
        let timeZone: TimeZone
        if let name = try context.string("timezone") {
            guard let zone = TimeZone(identifier: name) else {
                throw PluginConfigError(key: "timezone", "unknown time zone \"\(name)\" (an IANA name such as UTC)")
            }
            timeZone = zone
        } else {
            timeZone = .current
        }
        switch try context.string("backend", default: "sqlite") ?? "sqlite" {
        case "sqlite":
            self = .sqlite(try Self.openSQLite(context: context, timeZone: timeZone))
        case "postgres", "postgresql":
            let store = PostgresRawLogStore(
                settings: try Self.postgresSettings(context: context), sourceTimeZone: timeZone)
            do {
                try BlockingTask.run { try await store.prepare() }
                PluginLog.info("storing into \(store.location)")
            } catch {
                // The server may come later: every batch tries again, and fails (-2) until it does.
                PluginLog.warning("\(error); records are refused until the server is reachable")
            }
            self = .postgres(store)
        case let other:
            throw PluginConfigError(key: "backend", "unknown backend \"\(other)\" (sqlite or postgres)")
        }
    }

    var location: String {
        switch self {
        case .sqlite(let store): return store.location
        case .postgres(let store): return store.location
        }
    }

    /// Stores `records` in one transaction; returns after the commit.
    func insert(_ records: EncodedLogFormats) throws {
        switch self {
        case .sqlite(let store):
            try store.insertSynchronously(encoded: records)
        case .postgres(let store):
            let decoded = records.decoded()
            try BlockingTask.run { try await store.insert(batch: decoded) }
        }
    }

    func close() {
        do {
            switch self {
            case .sqlite(let store): try BlockingTask.run { try await store.close() }
            case .postgres(let store): try BlockingTask.run { try await store.close() }
            }
        } catch {
            PluginLog.warning("closing \(location): \(error)")
        }
    }

    private static func openSQLite(context: PluginContext, timeZone: TimeZone) throws -> SQLiteRawLogStore {
        let configured = try context.string("path", default: "rawlog.sqlite") ?? "rawlog.sqlite"
        guard !configured.isEmpty else { throw PluginConfigError(key: "path", "empty path") }
        var path = configured
        if !path.hasPrefix("/") {
            guard let state = context.stateDirectory, !state.isEmpty else {
                throw PluginConfigError(key: "path", "relative path \"\(path)\" but no MICE_PLUGIN_STATE_DIR")
            }
            path = state + "/" + path
        }
        let synchronousName = try context.string("synchronous", default: "full") ?? "full"
        guard let synchronous = SQLiteRawLogStore.Synchronous(rawValue: synchronousName) else {
            throw PluginConfigError(key: "synchronous", "unknown value \"\(synchronousName)\" (full or normal)")
        }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        do {
            let store = try SQLiteRawLogStore(
                path: path, options: .init(synchronous: synchronous, sourceTimeZone: timeZone))
            PluginLog.info("storing into \(path) (synchronous=\(synchronous.rawValue))")
            return store
        } catch {
            throw PluginConfigError(key: "path", "\(error)")
        }
    }

    private static func postgresSettings(context: PluginContext) throws -> PostgresSettings {
        var settings = PostgresSettings()
        if let url = try context.string("url") {
            do {
                settings = try PostgresSettings(url: url)
            } catch {
                // The URL may hold a password: name the key, not the value.
                throw PluginConfigError(key: "url", "\((error as? StoreError)?.detail ?? "\(error)")")
            }
        }
        if let host = try context.string("host") { settings.host = host }
        let port = try context.integer("port", default: Int64(settings.port))
        guard (1...65535).contains(port) else { throw PluginConfigError(key: "port", "\(port) is out of range") }
        settings.port = Int(port)
        if let user = try context.string("user") { settings.user = user }
        if let password = try context.string("password") { settings.password = password }
        if let database = try context.string("database") { settings.database = database }
        if let mode = try context.string("sslmode") {
            guard let tls = PostgresSettings.TLSMode(rawValue: mode) else {
                throw PluginConfigError(key: "sslmode", "unknown value \"\(mode)\" (disable, prefer or require)")
            }
            settings.tls = tls
        }
        let timeout = try context.integer("connectTimeoutSeconds", default: 5)
        guard (1...300).contains(timeout) else {
            throw PluginConfigError(key: "connectTimeoutSeconds", "\(timeout) is out of range (1 to 300)")
        }
        settings.connectTimeout = .seconds(timeout)
        return settings
    }
}
