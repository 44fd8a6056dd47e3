// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import GRDB
import MICEStore

/// `alert_entry` in an SQLite file (GRDB, WAL mode: `micectl alerts` reads while the management
/// host writes). The schema is created by migration `alerts-v1` when the store opens.
public final class SQLiteAlertStore: AlertStore {
    /// The database file.
    public let path: String
    let pool: DatabasePool

    public var location: String { path }

    /// Opens (creating it unless `readOnly`) the file at `path`.
    /// - Parameters:
    ///   - path: The database file.
    ///   - readOnly: Open an existing file for reading only, without migrating.
    ///   - synchronousFull: fsync every commit (default); false: at checkpoints only.
    /// - Throws: ``StoreError`` `openFailed` or `migrationFailed`.
    public init(path: String, readOnly: Bool = false, synchronousFull: Bool = true) throws {
        self.path = path
        var configuration = Configuration()
        configuration.label = "mice.alerts"
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(10)
        if readOnly && !FileManager.default.fileExists(atPath: path) {
            throw StoreError(.openFailed, key: "path", location: path, "no such database file")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(.openFailed, key: "path", location: path, "\(error)")
        }
        guard !readOnly else { return }
        do {
            let mode = synchronousFull ? "FULL" : "NORMAL"
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(mode)") }
            try Self.migrator.migrate(pool)
        } catch {
            throw StoreError(.migrationFailed, location: path, "\(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("alerts-v1") { db in
            try db.execute(sql: AlertSchema.sqliteCreateTable)
            for statement in AlertSchema.createIndexes(ifNotExists: false) { try db.execute(sql: statement) }
        }
        return migrator
    }

    static let insertSQL =
        "INSERT INTO \(AlertSchema.quoted(AlertSchema.table)) ("
        + AlertSchema.columns.map { AlertSchema.quoted($0.name) }.joined(separator: ", ") + ") VALUES ("
        + Array(repeating: "?", count: AlertSchema.columns.count).joined(separator: ", ") + ")"

    @discardableResult
    public func insert(_ rows: [AlertRow]) async throws -> Int {
        try insertSynchronously(rows)
    }

    /// ``insert(_:)`` from synchronous code (a module's frame loop).
    @discardableResult
    public func insertSynchronously(_ rows: [AlertRow]) throws -> Int {
        guard !rows.isEmpty else { return 0 }
        do {
            try pool.write { db in
                let statement = try db.cachedStatement(sql: Self.insertSQL)
                for row in rows {
                    var values: [(any DatabaseValueConvertible)?] = [row.receivedAt]
                    values += AlertSchema.textValues(row).map { $0 as (any DatabaseValueConvertible)? }
                    statement.setUncheckedArguments(StatementArguments(values))
                    try statement.execute()
                }
            }
        } catch {
            throw StoreError(.writeFailed, location: path, "batch of \(rows.count) alerts not stored: \(error)")
        }
        return rows.count
    }

    public func query(_ query: AlertQuery) async throws -> [AlertRow] {
        try querySynchronously(query)
    }

    /// ``query(_:)`` from synchronous code.
    public func querySynchronously(_ query: AlertQuery) throws -> [AlertRow] {
        guard query.limit > 0 else { return [] }
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let from = query.from {
            conditions.append("\"received_at\" >= ?")
            arguments.append(from)
        }
        if let to = query.to {
            conditions.append("\"received_at\" <= ?")
            arguments.append(to)
        }
        if let analyzer = query.analyzer {
            conditions.append("\"analyzerid\" = ?")
            arguments.append(analyzer)
        }
        if let alertID = query.alertID {
            conditions.append("(\"alertid\" = ? COLLATE NOCASE OR \"classification\" = ? COLLATE NOCASE)")
            arguments += [alertID, alertID]
        }
        if let source = query.source {
            conditions.append("\"source_address\" = ?")
            arguments.append(source)
        }
        if let entryID = query.entryID {
            conditions.append("\"entry_id\" = ?")
            arguments.append(entryID)
        }
        let direction = query.newestFirst ? "DESC" : "ASC"
        var sql = "SELECT \(AlertSchema.selectList) FROM \(AlertSchema.quoted(AlertSchema.table))"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY \"received_at\" \(direction), \"entry_id\" \(direction) LIMIT ?"
        arguments.append(query.limit)
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                    let texts: [String?] = AlertSchema.columns.dropFirst().map { row[$0.name] }
                    return AlertSchema.makeRow(entryID: row["entry_id"], receivedAt: row["received_at"], texts: texts)
                }
            }
        } catch {
            throw StoreError(.queryFailed, location: path, "\(error)")
        }
    }

    public func count() async throws -> Int { try countSynchronously() }

    /// ``count()`` from synchronous code.
    public func countSynchronously() throws -> Int {
        do {
            return try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM alert_entry") ?? 0 }
        } catch {
            throw StoreError(.queryFailed, location: path, "\(error)")
        }
    }

    public func close() async throws {
        try pool.close()
    }
}
