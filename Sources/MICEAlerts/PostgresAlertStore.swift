// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICEStore
import NIOCore
import NIOSSL
import PostgresNIO

/// `alert_entry` on a PostgreSQL server (postgres-nio). One connection, opened when needed and
/// anew after a failure; operations run one at a time; the schema is created on first connect
/// under an advisory lock (recorded in `mice_alert_schema`).
public actor PostgresAlertStore: AlertStore {
    /// The server.
    public nonisolated let settings: PostgresSettings
    /// Whether the store creates the schema (a reader does not).
    public nonisolated let createsSchema: Bool
    private let logger: Logger
    private var connection: PostgresConnection?
    private var isMigrated = false
    private var isClosed = false
    private var isBusy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// The most rows per INSERT statement (18 parameters each, under the 65535 limit).
    static let rowsPerStatement = 500

    public nonisolated var location: String { settings.description }

    public init(settings: PostgresSettings, createsSchema: Bool = true, logger: Logger? = nil) {
        self.settings = settings
        self.createsSchema = createsSchema
        self.logger = logger ?? Logger(label: "mice.alerts.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// Connects (and creates the schema) now.
    public func prepare() async throws {
        try await exclusively { _ = try await self.readyConnection() }
    }

    @discardableResult
    public func insert(_ rows: [AlertRow]) async throws -> Int {
        guard !rows.isEmpty else { return 0 }
        try await exclusively {
            let connection = try await self.readyConnection()
            do {
                try await connection.withTransaction(logger: self.logger) { connection in
                    var start = 0
                    while start < rows.count {
                        let end = min(start + Self.rowsPerStatement, rows.count)
                        try await connection.query(Self.insert(rows[start..<end]), logger: self.logger)
                        start = end
                    }
                }
            } catch {
                await self.dropConnection()
                throw StoreError(
                    .writeFailed, location: self.location,
                    "batch of \(rows.count) alerts not stored: \(Self.describe(error))")
            }
        }
        return rows.count
    }

    static func insert(_ rows: ArraySlice<AlertRow>) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: rows.count * AlertSchema.columns.count)
        var tuples: [String] = []
        for row in rows {
            var placeholders: [String] = []
            bindings.append(row.receivedAt)
            placeholders.append("$\(bindings.count)")
            for value in AlertSchema.textValues(row) {
                if let value {
                    bindings.append(value)
                    placeholders.append("$\(bindings.count)")
                } else {
                    bindings.appendNull()
                    placeholders.append("$\(bindings.count)::text")
                }
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        let sql =
            "INSERT INTO \(AlertSchema.quoted(AlertSchema.table)) ("
            + AlertSchema.columns.map { AlertSchema.quoted($0.name) }.joined(separator: ", ") + ") VALUES "
            + tuples.joined(separator: ", ")
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    public func query(_ query: AlertQuery) async throws -> [AlertRow] {
        guard query.limit > 0 else { return [] }
        var conditions: [String] = []
        var bindings = PostgresBindings()
        if let from = query.from {
            bindings.append(from)
            conditions.append("\"received_at\" >= $\(bindings.count)")
        }
        if let to = query.to {
            bindings.append(to)
            conditions.append("\"received_at\" <= $\(bindings.count)")
        }
        if let analyzer = query.analyzer {
            bindings.append(analyzer)
            conditions.append("\"analyzerid\" = $\(bindings.count)")
        }
        if let alertID = query.alertID {
            bindings.append(alertID.lowercased())
            conditions.append(
                "(lower(\"alertid\") = $\(bindings.count) OR lower(\"classification\") = $\(bindings.count))")
        }
        if let source = query.source {
            bindings.append(source)
            conditions.append("\"source_address\" = $\(bindings.count)")
        }
        if let entryID = query.entryID {
            bindings.append(entryID)
            conditions.append("\"entry_id\" = $\(bindings.count)")
        }
        bindings.append(Int64(query.limit))
        let direction = query.newestFirst ? "DESC" : "ASC"
        var sql = "SELECT \(AlertSchema.selectList) FROM \(AlertSchema.quoted(AlertSchema.table))"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY \"received_at\" \(direction), \"entry_id\" \(direction) LIMIT $\(bindings.count)"
        let statement = PostgresQuery(unsafeSQL: sql, binds: bindings)
        return try await exclusively {
            let connection = try await self.readyConnection()
            do {
                var rows: [AlertRow] = []
                for try await row in try await connection.query(statement, logger: self.logger) {
                    let columns = row.makeRandomAccess()
                    let texts = try AlertSchema.columns.dropFirst().map { try columns[$0.name].decode(String?.self) }
                    rows.append(
                        AlertSchema.makeRow(
                            entryID: try columns["entry_id"].decode(Int64.self),
                            receivedAt: try columns["received_at"].decode(Date.self), texts: texts))
                }
                return rows
            } catch {
                await self.dropConnection()
                throw StoreError(.queryFailed, location: self.location, Self.describe(error))
            }
        }
    }

    public func count() async throws -> Int {
        try await exclusively {
            let connection = try await self.readyConnection()
            do {
                for try await value in try await connection.query(
                    "SELECT count(*) FROM alert_entry", logger: self.logger
                ).decode(Int64.self) {
                    return Int(value)
                }
                return 0
            } catch {
                await self.dropConnection()
                throw StoreError(.queryFailed, location: self.location, Self.describe(error))
            }
        }
    }

    public func close() async throws {
        guard !isClosed else { return }
        try await exclusively {
            self.isClosed = true
            let connection = self.connection
            self.connection = nil
            try? await connection?.close()
        }
    }

    // MARK: - Connection

    private func exclusively<Value: Sendable>(_ body: () async throws -> Value) async throws -> Value {
        if isBusy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            isBusy = true
        }
        defer {
            if waiters.isEmpty {
                isBusy = false
            } else {
                waiters.removeFirst().resume()
            }
        }
        guard !isClosed else { throw StoreError(.closed, location: location, "the store was closed") }
        return try await body()
    }

    private func readyConnection() async throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        connection = nil
        let connection = try await connect()
        if createsSchema && !isMigrated {
            do {
                try await Self.migrate(connection, logger: logger)
            } catch {
                try? await connection.close()
                throw StoreError(.migrationFailed, location: location, Self.describe(error))
            }
            isMigrated = true
        }
        self.connection = connection
        return connection
    }

    private func connect() async throws -> PostgresConnection {
        var configuration: PostgresConnection.Configuration
        if settings.usesUnixSocket {
            configuration = PostgresConnection.Configuration(
                unixSocketPath: settings.socketPath, username: settings.user, password: settings.password,
                database: settings.databaseName)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            do {
                switch settings.tls {
                case .disable: tls = .disable
                case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
                case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                }
            } catch {
                throw StoreError(.invalidSettings, key: "sslmode", location: location, "\(error)")
            }
            configuration = PostgresConnection.Configuration(
                host: settings.host, port: settings.port, username: settings.user, password: settings.password,
                database: settings.databaseName, tls: tls)
        }
        let timeout = settings.connectTimeout.components
        configuration.options.connectTimeout = .milliseconds(
            timeout.seconds * 1000 + timeout.attoseconds / 1_000_000_000_000_000)
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw StoreError(.connectionFailed, location: location, Self.describe(error))
        }
    }

    private func dropConnection() async {
        let connection = self.connection
        self.connection = nil
        try? await connection?.close()
    }

    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT pg_advisory_xact_lock(\(AlertSchema.migrationLockKey))"),
                logger: logger)
            let versionTable = AlertSchema.quoted(AlertSchema.versionTable)
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: "CREATE TABLE IF NOT EXISTS \(versionTable) (\"version\" integer PRIMARY KEY, "
                        + "\"applied_at\" timestamptz NOT NULL DEFAULT now())"),
                logger: logger)
            var current: Int64 = 0
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT coalesce(max(\"version\"), 0)::bigint FROM \(versionTable)"),
                logger: logger)
            for try await value in rows.decode(Int64.self) { current = value }
            guard current < Int64(AlertSchema.version) else { return }
            try await connection.query(PostgresQuery(unsafeSQL: AlertSchema.postgresCreateTable), logger: logger)
            for statement in AlertSchema.createIndexes(ifNotExists: true) {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query(
                PostgresQuery(unsafeSQL: "INSERT INTO \(versionTable) (version) VALUES (\(AlertSchema.version))"),
                logger: logger)
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? StoreError { return error.description }
        if let error = error as? PostgresTransactionError {
            return [error.beginError, error.closureError, error.rollbackError, error.commitError]
                .compactMap { $0 }.map(describe).joined(separator: "; ")
        }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
        return String(describing: error)
    }
}
