// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICERecords
import NIOCore
import PostgresNIO

/// The raw-log database on a PostgreSQL server (postgres-nio), for many log-storage hosts.
///
/// One connection (``PostgresSession``): opened when first needed and anew after any failed
/// operation, operations one at a time, the schema created on first connect
/// (`CREATE TABLE IF NOT EXISTS`, recorded in `mice_rawlog_schema`, under an advisory lock).
///
/// **Durability.** ``insert(batch:receivedAt:)`` returns after the server answered `COMMIT`;
/// with the server's default `synchronous_commit = on` the batch is then in its fsync'd WAL.
public final class PostgresRawLogStore: RawLogStore {
    /// The server.
    public let settings: PostgresSettings
    /// The time zone the senders' `cDate`/`cTime` are in, for `logged_at`.
    public let sourceTimeZone: TimeZone
    /// Whether the store creates the schema; a reader (`micectl logs query`) does not.
    public let createsSchema: Bool
    private let session: PostgresSession

    /// The most rows in one INSERT statement (a statement takes at most 65535 parameters).
    static let rowsPerStatement = 1000
    /// The advisory lock taken while the schema is created.
    static let migrationLockKey: Int64 = 0x4D49_4345_5241_574C

    public var location: String { settings.description }

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
        let statements = RawLogTable.allCases.flatMap {
            [RawLogSchema.postgresCreateTable($0)] + RawLogSchema.createIndexes($0, ifNotExists: true)
        }
        session = PostgresSession(
            settings: settings,
            schema: createsSchema
                ? .init(
                    versionTable: RawLogSchema.versionTable, version: RawLogSchema.version,
                    lockKey: Self.migrationLockKey, statements: statements) : nil,
            logger: logger ?? Logger(label: "mice.rawlog.postgres", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// Connects and creates the schema now, so a wrong setting shows at start.
    /// - Throws: ``StoreError`` `connectionFailed` or `migrationFailed`.
    public func prepare() async throws {
        try await session.prepare()
    }

    @discardableResult
    public func insert(batch: [LogFormat], receivedAt: Date) async throws -> Int {
        guard !batch.isEmpty else { return 0 }
        let values = RawLogValues(batch: batch, receivedAt: receivedAt, sourceTimeZone: sourceTimeZone)
        let logger = session.logger
        let location = self.location
        try await session.run { connection in
            try await connection.withTransaction(logger: logger) { connection in
                for (table, rows) in values.rows.sorted(by: { $0.key < $1.key }) {
                    var start = 0
                    while start < rows.count {
                        let end = min(start + Self.rowsPerStatement, rows.count)
                        try await connection.query(Self.insert(table, rows[start..<end]), logger: logger)
                        start = end
                    }
                }
            }
        } failure: { [count = batch.count] description in
            StoreError(.writeFailed, location: location, "batch of \(count) records not stored: \(description)")
        }
        return batch.count
    }

    public func query(_ query: RawLogQuery) async throws -> [RawLogRow] {
        guard query.limit > 0 else { return [] }
        let logger = session.logger
        let rows: [RawLogRow] = try await session.run { connection in
            var rows: [RawLogRow] = []
            for table in query.tables.sorted() {
                for try await row in try await connection.query(Self.select(table, query), logger: logger) {
                    rows.append(try RawLogRow(table: table, columns: PostgresColumns(row: row.makeRandomAccess())))
                }
            }
            return rows
        } failure: { [location] in
            StoreError(.queryFailed, location: location, $0)
        }
        return query.merge(rows)
    }

    public func count(_ table: RawLogTable) async throws -> Int {
        let logger = session.logger
        return try await session.run { connection in
            let sql = "SELECT count(*) FROM \(RawLogSchema.quoted(table.name))"
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                .decode(Int64.self)
            {
                return Int(value)
            }
            return 0
        } failure: { [location] in
            StoreError(.queryFailed, location: location, $0)
        }
    }

    /// Waits for the running operation, then closes the connection.
    public func close() async throws {
        try await session.close()
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
