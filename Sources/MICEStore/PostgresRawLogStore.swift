// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICERecords
import NIOCore
import NIOSSL
import PostgresNIO

/// The raw-log database on a PostgreSQL server (postgres-nio), for many log-storage hosts.
///
/// One connection, opened when first needed, and opened anew after any failed operation.
/// Operations run one at a time in arrival order, so a batch's transaction is never interleaved
/// with another statement. The schema is created when the store first connects
/// (`CREATE TABLE IF NOT EXISTS`, recorded in `mice_rawlog_schema`, under an advisory lock so
/// that several writers starting together do not race).
///
/// **Durability.** ``insert(batch:receivedAt:)`` returns after the server answered `COMMIT`;
/// with the server's default `synchronous_commit = on` the batch is then in its fsync'd WAL.
public actor PostgresRawLogStore: RawLogStore {
    /// The server.
    public nonisolated let settings: PostgresSettings
    /// The time zone the senders' `cDate`/`cTime` are in, for `logged_at`.
    public nonisolated let sourceTimeZone: TimeZone
    /// Whether the store creates the schema; a reader (`micectl logs query`) does not.
    public nonisolated let createsSchema: Bool
    private let logger: Logger
    private var connection: PostgresConnection?
    private var isMigrated = false
    private var isClosed = false
    private var isBusy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var nextConnectionID = 1

    /// The most rows in one INSERT statement (a statement takes at most 65535 parameters).
    static let rowsPerStatement = 1000
    /// The advisory lock taken while the schema is created.
    static let migrationLockKey: Int64 = 0x4D49_4345_5241_574C

    public nonisolated var location: String { settings.description }

    /// A store for `settings`; nothing is connected until ``prepare()`` or the first operation.
    /// - Parameters:
    ///   - settings: The server.
    ///   - sourceTimeZone: The senders' time zone, for `logged_at`.
    ///   - createsSchema: False for a reader: the tables must exist, nothing is created.
    ///   - logger: postgres-nio's log; silent when nil.
    public init(
        settings: PostgresSettings, sourceTimeZone: TimeZone = .current, createsSchema: Bool = true,
        logger: Logger? = nil
    ) {
        self.settings = settings
        self.sourceTimeZone = sourceTimeZone
        self.createsSchema = createsSchema
        self.logger = logger ?? Logger(label: "mice.rawlog.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// Connects and creates the schema now, so a wrong setting shows at start.
    /// - Throws: ``StoreError`` `connectionFailed` or `migrationFailed`.
    public func prepare() async throws {
        try await exclusively { _ = try await self.readyConnection() }
    }

    @discardableResult
    public func insert(batch: [LogFormat], receivedAt: Date) async throws -> Int {
        guard !batch.isEmpty else { return 0 }
        let values = RawLogValues(batch: batch, receivedAt: receivedAt, sourceTimeZone: sourceTimeZone)
        try await exclusively {
            let connection = try await self.readyConnection()
            do {
                try await connection.withTransaction(logger: self.logger) { connection in
                    for (table, rows) in values.rows.sorted(by: { $0.key < $1.key }) {
                        var start = 0
                        while start < rows.count {
                            let end = min(start + Self.rowsPerStatement, rows.count)
                            try await connection.query(Self.insert(table, rows[start..<end]), logger: self.logger)
                            start = end
                        }
                    }
                }
            } catch {
                await self.dropConnection()
                throw StoreError(
                    .writeFailed, location: self.location,
                    "batch of \(batch.count) records not stored: \(Self.describe(error))")
            }
        }
        return batch.count
    }

    public func query(_ query: RawLogQuery) async throws -> [RawLogRow] {
        guard query.limit > 0 else { return [] }
        let rows: [RawLogRow] = try await exclusively {
            let connection = try await self.readyConnection()
            var rows: [RawLogRow] = []
            do {
                for table in query.tables.sorted() {
                    for try await row in try await connection.query(Self.select(table, query), logger: self.logger) {
                        rows.append(try RawLogRow(table: table, columns: PostgresColumns(row: row.makeRandomAccess())))
                    }
                }
            } catch {
                await self.dropConnection()
                throw StoreError(.queryFailed, location: self.location, Self.describe(error))
            }
            return rows
        }
        return query.merge(rows)
    }

    public func count(_ table: RawLogTable) async throws -> Int {
        try await exclusively {
            let connection = try await self.readyConnection()
            do {
                let sql = "SELECT count(*) FROM \(RawLogSchema.quoted(table.name))"
                for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: self.logger)
                    .decode(Int64.self)
                {
                    return Int(value)
                }
                return 0
            } catch {
                await self.dropConnection()
                throw StoreError(.queryFailed, location: self.location, Self.describe(error))
            }
        }
    }

    /// Waits for the running operation, then closes the connection.
    public func close() async throws {
        guard !isClosed else { return }
        try await exclusively {
            self.isClosed = true
            let connection = self.connection
            self.connection = nil
            try? await connection?.close()
        }
    }

    // MARK: - Statements

    /// A multi-row INSERT of `rows` into `table`, every value a parameter.
    static func insert(_ table: RawLogTable, _ rows: ArraySlice<[RawLogValue]>) -> PostgresQuery {
        let columns = RawLogSchema.columns(table)
        var bindings = PostgresBindings(capacity: rows.count * columns.count)
        var tuples: [String] = []
        tuples.reserveCapacity(rows.count)
        var parameter = 0
        for row in rows {
            var placeholders: [String] = []
            placeholders.reserveCapacity(row.count)
            for (value, column) in zip(row, columns) {
                parameter += 1
                placeholders.append("$\(parameter)" + (value == .null ? "::\(column.type.postgresType)" : ""))
                bind(value, to: &bindings)
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        let sql =
            "INSERT INTO \(RawLogSchema.quoted(table.name)) ("
            + columns.map { RawLogSchema.quoted($0.name) }.joined(separator: ", ") + ") VALUES "
            + tuples.joined(separator: ", ")
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    /// The SELECT of one table for `query`.
    static func select(_ table: RawLogTable, _ query: RawLogQuery) -> PostgresQuery {
        var conditions: [String] = []
        var bindings = PostgresBindings()
        if let host = query.host {
            bindings.append(host)
            conditions.append("\"hostname\" = $\(bindings.count)")
        }
        if let from = query.from {
            bindings.append(from)
            conditions.append("\"logged_at\" >= $\(bindings.count)")
        }
        if let to = query.to {
            bindings.append(to)
            conditions.append("\"logged_at\" <= $\(bindings.count)")
        }
        if let text = query.text, !text.isEmpty {
            bindings.append(ByteBuffer(bytes: text))
            conditions.append("position($\(bindings.count) IN \"logline\") > 0")
        }
        bindings.append(Int64(query.limit))
        let direction = query.newestFirst ? "DESC" : "ASC"
        var sql = "SELECT \(RawLogSchema.selectList(table)) FROM \(RawLogSchema.quoted(table.name))"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY \"logged_at\" \(direction), \"line_id\" \(direction) LIMIT $\(bindings.count)"
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    static func bind(_ value: RawLogValue, to bindings: inout PostgresBindings) {
        switch value {
        case .text(let text): bindings.append(text)
        case .integer(let integer): bindings.append(integer)
        case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
        case .timestamp(let date): bindings.append(date)
        case .null: bindings.appendNull()
        }
    }

    // MARK: - Connection

    /// Runs `body` when no other operation runs (operations queue in arrival order).
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

    /// The open connection with the schema in place, connecting and migrating if needed.
    private func readyConnection() async throws -> PostgresConnection {
        if let connection, !connection.isClosed {
            return connection
        }
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
        nextConnectionID += 1
        do {
            return try await PostgresConnection.connect(
                configuration: configuration, id: nextConnectionID, logger: logger)
        } catch {
            throw StoreError(.connectionFailed, location: location, Self.describe(error))
        }
    }

    /// Closes and forgets the connection after a failed operation: its state is unknown (the
    /// server may have gone, a transaction may be open), and the next operation connects anew.
    private func dropConnection() async {
        let connection = self.connection
        self.connection = nil
        try? await connection?.close()
    }

    /// Creates the tables and indexes of schema version 1 unless `mice_rawlog_schema` says so.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLockKey))", logger: logger)
            let versionTable = RawLogSchema.quoted(RawLogSchema.versionTable)
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
            guard current < Int64(RawLogSchema.version) else { return }
            for table in RawLogTable.allCases {
                try await connection.query(
                    PostgresQuery(unsafeSQL: RawLogSchema.postgresCreateTable(table)), logger: logger)
                for statement in RawLogSchema.createIndexes(table, ifNotExists: true) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
            try await connection.query(
                "INSERT INTO mice_rawlog_schema (version) VALUES (\(RawLogSchema.version))", logger: logger)
        }
    }

    /// The whole story of a postgres-nio error (its `description` hides the server's message).
    static func describe(_ error: any Error) -> String {
        if let error = error as? StoreError { return error.description }
        if let error = error as? PostgresTransactionError {
            let parts = [error.beginError, error.closureError, error.rollbackError, error.commitError]
            return parts.compactMap { $0 }.map(describe).joined(separator: "; ")
        }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let code = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + code
            }
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
        return String(describing: error)
    }
}

/// Column access over a postgres-nio row.
struct PostgresColumns: RawLogColumnReader {
    let row: PostgresRandomAccessRow

    func integer(_ name: String) throws -> Int64 { try row[name].decode(Int64.self) }
    func text(_ name: String) throws -> String { try row[name].decode(String.self) }
    func optionalText(_ name: String) throws -> String? { try row[name].decode(String?.self) }
    func blob(_ name: String) throws -> [UInt8] { Array(buffer: try row[name].decode(ByteBuffer.self)) }
    func optionalBlob(_ name: String) throws -> [UInt8]? {
        try row[name].decode(ByteBuffer?.self).map { Array(buffer: $0) }
    }
    func timestamp(_ name: String) throws -> Date { try row[name].decode(Date.self) }
}
