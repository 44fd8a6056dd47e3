// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import NIOSSL
import PostgresNIO

/// One connection to a PostgreSQL server shared by a store's operations (the raw-log database,
/// the alert database).
///
/// The connection is opened when first needed and anew after any failed operation; operations run
/// one at a time in arrival order, so a batch's transaction is never interleaved with another
/// statement. On first connect a writer creates its schema (``Schema``) under an advisory lock, so
/// several writers starting together do not race; the version is recorded in a table of its own.
public actor PostgresSession {
    /// The tables a store creates, and where it records that it did.
    public struct Schema: Sendable {
        /// The table recording applied versions, e.g. `mice_rawlog_schema`.
        public var versionTable: String
        /// The version the statements make.
        public var version: Int
        /// The advisory lock held while the schema is created.
        public var lockKey: Int64
        /// CREATE TABLE / CREATE INDEX statements, `IF NOT EXISTS`.
        public var statements: [String]

        public init(versionTable: String, version: Int, lockKey: Int64, statements: [String]) {
            self.versionTable = versionTable
            self.version = version
            self.lockKey = lockKey
            self.statements = statements
        }
    }

    /// The server.
    public nonisolated let settings: PostgresSettings
    /// The schema created on first connect; nil for a reader (the tables must exist).
    public nonisolated let schema: Schema?
    /// postgres-nio's log.
    public nonisolated let logger: Logger
    private var connection: PostgresConnection?
    private var isMigrated = false
    private var isClosed = false
    private var isBusy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var nextConnectionID = 1

    /// The server as messages name it.
    public nonisolated var location: String { settings.description }

    public init(settings: PostgresSettings, schema: Schema?, logger: Logger) {
        self.settings = settings
        self.schema = schema
        self.logger = logger
    }

    /// Connects (and creates the schema) now, so a wrong setting shows at start.
    /// - Throws: ``StoreError`` `connectionFailed` or `migrationFailed`.
    public func prepare() async throws {
        try await exclusively { _ = try await self.readyConnection() }
    }

    /// Runs `body` on the connection when no other operation runs. When `body` fails, the
    /// connection is dropped (its state is unknown) and `failure` turns the error's whole story
    /// (``describe(_:)``) into the error thrown.
    public func run<Value: Sendable>(
        _ body: @Sendable (PostgresConnection) async throws -> Value,
        failure: @Sendable (String) -> StoreError
    ) async throws -> Value {
        try await exclusively {
            let connection = try await self.readyConnection()
            do {
                return try await body(connection)
            } catch {
                await self.dropConnection()
                throw failure(Self.describe(error))
            }
        }
    }

    /// Waits for the running operation, then closes the connection; later operations fail.
    public func close() async throws {
        guard !isClosed else { return }
        try await exclusively {
            self.isClosed = true
            await self.dropConnection()
        }
    }

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
        if let connection, !connection.isClosed { return connection }
        connection = nil
        let connection = try await connect()
        if let schema, !isMigrated {
            do {
                try await Self.migrate(connection, schema: schema, logger: logger)
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

    /// Closes and forgets the connection: after a failed operation its state is unknown (the
    /// server may have gone, a transaction may be open), and the next operation connects anew.
    private func dropConnection() async {
        let connection = self.connection
        self.connection = nil
        try? await connection?.close()
    }

    /// Creates the schema's tables and indexes unless its version table says they are there.
    static func migrate(_ connection: PostgresConnection, schema: Schema, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT pg_advisory_xact_lock(\(schema.lockKey))"), logger: logger)
            let versionTable = RawLogSchema.quoted(schema.versionTable)
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
            guard current < Int64(schema.version) else { return }
            for statement in schema.statements {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query(
                PostgresQuery(unsafeSQL: "INSERT INTO \(versionTable) (version) VALUES (\(schema.version))"),
                logger: logger)
        }
    }

    /// The whole story of a postgres-nio error (its `description` hides the server's message).
    public static func describe(_ error: any Error) -> String {
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
