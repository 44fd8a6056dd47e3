// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import GRDB
import MICERecords

/// The raw-log database in an SQLite file (GRDB), the embedded default.
///
/// The file is opened in WAL mode (a ``GRDB/DatabasePool``): one writer, and readers such as
/// `micectl logs query` that never block it. The schema is created or upgraded when the store
/// opens (a GRDB `DatabaseMigrator`, migration `rawlog-v1`).
///
/// **Durability.** ``insert(batch:receivedAt:)`` returns after `COMMIT`. With
/// ``Synchronous/full`` (the default) SQLite has then fsync'd the WAL, so the batch survives a
/// crash of the process *and* of the machine (power loss). With ``Synchronous/normal`` the
/// commit is in the WAL file but fsync'd only at checkpoints: it survives a crash of the process,
/// not of the operating system, in exchange for fewer fsyncs.
public final class SQLiteRawLogStore: RawLogStore {
    /// SQLite's `PRAGMA synchronous` for the writer.
    public enum Synchronous: String, Sendable, CaseIterable {
        /// fsync on every commit: a returned insert survives power loss.
        case full
        /// fsync at checkpoints: a returned insert survives a process crash only.
        case normal
    }

    /// How to open the file.
    public struct Options: Sendable {
        /// The durability of commits.
        public var synchronous: Synchronous
        /// The time zone the senders' `cDate`/`cTime` are in, for `logged_at`.
        public var sourceTimeZone: TimeZone
        /// Open for reading only: the file must exist and is never migrated or written.
        public var readOnly: Bool
        /// How long a statement waits for a lock held by another process.
        public var busyTimeout: Duration

        public init(
            synchronous: Synchronous = .full, sourceTimeZone: TimeZone = .current, readOnly: Bool = false,
            busyTimeout: Duration = .seconds(10)
        ) {
            self.synchronous = synchronous
            self.sourceTimeZone = sourceTimeZone
            self.readOnly = readOnly
            self.busyTimeout = busyTimeout
        }
    }

    /// The database file.
    public let path: String
    /// The options it was opened with.
    public let options: Options
    let pool: DatabasePool

    public var location: String { path }

    /// Opens (creating it unless read-only) the database file at `path` and brings its schema up
    /// to date.
    /// - Throws: ``StoreError`` `openFailed` or `migrationFailed`, naming the file.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        self.options = options
        var configuration = Configuration()
        configuration.label = "mice.rawlog"
        configuration.readonly = options.readOnly
        let seconds = Double(options.busyTimeout.components.seconds)
        configuration.busyMode = .timeout(seconds + Double(options.busyTimeout.components.attoseconds) / 1e18)
        if options.readOnly && !FileManager.default.fileExists(atPath: path) {
            throw StoreError(.openFailed, key: "path", location: path, "no such database file")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(.openFailed, key: "path", location: path, "\(error)")
        }
        if !options.readOnly {
            // After the pool is open: opening it sets WAL and, on its one writer connection,
            // synchronous = NORMAL, which FULL must replace.
            let synchronous = options.synchronous.rawValue.uppercased()
            do {
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
            } catch {
                throw StoreError(.openFailed, location: path, "cannot set synchronous = \(synchronous): \(error)")
            }
            do {
                try Self.migrator.migrate(pool)
            } catch {
                throw StoreError(.migrationFailed, location: path, "\(error)")
            }
        }
    }

    /// The schema's migrations; new versions are appended, never edited.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("rawlog-v1") { db in
            for table in RawLogTable.allCases {
                try db.execute(sql: RawLogSchema.sqliteCreateTable(table))
                for statement in RawLogSchema.createIndexes(table, ifNotExists: false) {
                    try db.execute(sql: statement)
                }
            }
        }
        return migrator
    }

    /// INSERT with one placeholder per column.
    static func insertSQL(_ table: RawLogTable) -> String {
        let columns = RawLogSchema.columns(table)
        return "INSERT INTO \(RawLogSchema.quoted(table.name)) ("
            + columns.map { RawLogSchema.quoted($0.name) }.joined(separator: ", ") + ") VALUES ("
            + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
    }

    @discardableResult
    public func insert(batch: [LogFormat], receivedAt: Date) async throws -> Int {
        guard !batch.isEmpty else { return 0 }
        let values = RawLogValues(batch: batch, receivedAt: receivedAt, sourceTimeZone: options.sourceTimeZone)
        do {
            try await pool.write { db in try Self.write(values, to: db) }
        } catch {
            throw StoreError(.writeFailed, location: path, "batch of \(batch.count) records not stored: \(error)")
        }
        return batch.count
    }

    /// Stores `batch` from synchronous code (a module's frame loop), without any task; see
    /// ``insert(batch:receivedAt:)``.
    @discardableResult
    public func insertSynchronously(batch: [LogFormat], receivedAt: Date = Date()) throws -> Int {
        guard !batch.isEmpty else { return 0 }
        let values = RawLogValues(batch: batch, receivedAt: receivedAt, sourceTimeZone: options.sourceTimeZone)
        do {
            try pool.write { db in try Self.write(values, to: db) }
        } catch {
            throw StoreError(.writeFailed, location: path, "batch of \(batch.count) records not stored: \(error)")
        }
        return batch.count
    }

    /// Inserts the rows of `values` inside the caller's transaction.
    static func write(_ values: RawLogValues, to db: Database) throws {
        for (table, rows) in values.rows.sorted(by: { $0.key < $1.key }) {
            let statement = try db.cachedStatement(sql: insertSQL(table))
            for row in rows {
                statement.setUncheckedArguments(StatementArguments(row.map(databaseValue)))
                try statement.execute()
            }
        }
    }

    public func query(_ query: RawLogQuery) async throws -> [RawLogRow] {
        guard query.limit > 0 else { return [] }
        do {
            let rows = try await pool.read { db in
                var rows: [RawLogRow] = []
                for table in query.tables.sorted() {
                    let (sql, arguments) = Self.select(table, query)
                    for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                        rows.append(try RawLogRow(table: table, columns: SQLiteColumns(row: row)))
                    }
                }
                return rows
            }
            return query.merge(rows)
        } catch {
            throw StoreError(.queryFailed, location: path, "\(error)")
        }
    }

    /// The SELECT of one table for `query`, and its arguments.
    static func select(_ table: RawLogTable, _ query: RawLogQuery) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let host = query.host {
            conditions.append("\"hostname\" = ?")
            arguments.append(host)
        }
        if let from = query.from {
            conditions.append("\"logged_at\" >= ?")
            arguments.append(from)
        }
        if let to = query.to {
            conditions.append("\"logged_at\" <= ?")
            arguments.append(to)
        }
        if let text = query.text, !text.isEmpty {
            // instr over two BLOBs compares bytes: an exact, case-sensitive substring search.
            conditions.append("instr(\"logline\", ?) > 0")
            arguments.append(Data(text))
        }
        let direction = query.newestFirst ? "DESC" : "ASC"
        var sql = "SELECT \(RawLogSchema.selectList(table)) FROM \(RawLogSchema.quoted(table.name))"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY \"logged_at\" \(direction), \"line_id\" \(direction) LIMIT ?"
        arguments.append(query.limit)
        return (sql, StatementArguments(arguments))
    }

    public func count(_ table: RawLogTable) async throws -> Int {
        do {
            return try await pool.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM \(RawLogSchema.quoted(table.name))") ?? 0
            }
        } catch {
            throw StoreError(.queryFailed, location: path, "\(error)")
        }
    }

    /// The highest `line_id` of `table` (0 when empty): with one writer appending in order, the
    /// number of rows committed so far, found in O(log n) where `count` scans.
    public func lastLineID(_ table: RawLogTable) throws -> Int {
        do {
            return try pool.read { db in
                try Int.fetchOne(
                    db,
                    sql: "SELECT coalesce(max(\(RawLogSchema.quoted(RawLogSchema.primaryKey))), 0) FROM "
                        + RawLogSchema.quoted(table.name)) ?? 0
            }
        } catch {
            throw StoreError(.queryFailed, location: path, "\(error)")
        }
    }

    /// Every `logline` of `table` in `line_id` order (tests and tools that check a whole stream).
    public func allLoglines(_ table: RawLogTable) throws -> [[UInt8]] {
        do {
            return try pool.read { db in
                try Data.fetchAll(
                    db,
                    sql: "SELECT \"logline\" FROM \(RawLogSchema.quoted(table.name)) ORDER BY "
                        + RawLogSchema.quoted(RawLogSchema.primaryKey)
                ).map { Array($0) }
            }
        } catch {
            throw StoreError(.queryFailed, location: path, "\(error)")
        }
    }

    public func close() async throws {
        do {
            try pool.close()
        } catch {
            throw StoreError(.closed, location: path, "\(error)")
        }
    }

    static func databaseValue(_ value: RawLogValue) -> DatabaseValue {
        switch value {
        case .text(let text): return text.databaseValue
        case .integer(let integer): return integer.databaseValue
        case .blob(let bytes): return Data(bytes).databaseValue
        case .timestamp(let date): return SQLiteTimestamp.text(date).databaseValue
        case .null: return .null
        }
    }
}

/// Column access over a GRDB row.
struct SQLiteColumns: RawLogColumnReader {
    let row: Row

    func integer(_ name: String) throws -> Int64 { try row.decode(Int64.self, forColumn: name) }
    func text(_ name: String) throws -> String { try row.decode(String.self, forColumn: name) }
    func optionalText(_ name: String) throws -> String? { try row.decode(String?.self, forColumn: name) }
    func blob(_ name: String) throws -> [UInt8] { [UInt8](try row.decode(Data.self, forColumn: name)) }
    func optionalBlob(_ name: String) throws -> [UInt8]? {
        try row.decode(Data?.self, forColumn: name).map { [UInt8]($0) }
    }
    func timestamp(_ name: String) throws -> Date { try row.decode(Date.self, forColumn: name) }
}
