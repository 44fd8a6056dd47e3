// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICEStore
import PostgresNIO

/// `alert_entry` on a PostgreSQL server (postgres-nio), through one ``PostgresSession``: one
/// connection, opened when needed and anew after a failure; operations run one at a time; the
/// schema is created on first connect under an advisory lock (recorded in `mice_alert_schema`).
public final class PostgresAlertStore: AlertStore {
    /// The server.
    public let settings: PostgresSettings
    /// Whether the store creates the schema (a reader does not).
    public let createsSchema: Bool
    private let session: PostgresSession

    /// The most rows per INSERT statement (18 parameters each, under the 65535 limit).
    static let rowsPerStatement = 500

    public var location: String { settings.description }

    public init(settings: PostgresSettings, createsSchema: Bool = true, logger: Logger? = nil) {
        self.settings = settings
        self.createsSchema = createsSchema
        session = PostgresSession(
            settings: settings,
            schema: createsSchema
                ? .init(
                    versionTable: AlertSchema.versionTable, version: AlertSchema.version,
                    lockKey: AlertSchema.migrationLockKey,
                    statements: [AlertSchema.postgresCreateTable] + AlertSchema.createIndexes(ifNotExists: true))
                : nil,
            logger: logger ?? Logger(label: "mice.alerts.postgres", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// Connects (and creates the schema) now.
    public func prepare() async throws {
        try await session.prepare()
    }

    @discardableResult
    public func insert(_ rows: [AlertRow]) async throws -> Int {
        guard !rows.isEmpty else { return 0 }
        let logger = session.logger
        try await session.run { connection in
            try await connection.withTransaction(logger: logger) { connection in
                var start = 0
                while start < rows.count {
                    let end = min(start + Self.rowsPerStatement, rows.count)
                    try await connection.query(Self.insert(rows[start..<end]), logger: logger)
                    start = end
                }
            }
        } failure: { [location, count = rows.count] in
            StoreError(.writeFailed, location: location, "batch of \(count) alerts not stored: \($0)")
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
        let logger = session.logger
        return try await session.run { connection in
            var rows: [AlertRow] = []
            for try await row in try await connection.query(statement, logger: logger) {
                let columns = row.makeRandomAccess()
                let texts = try AlertSchema.columns.dropFirst().map { try columns[$0.name].decode(String?.self) }
                rows.append(
                    AlertSchema.makeRow(
                        entryID: try columns["entry_id"].decode(Int64.self),
                        receivedAt: try columns["received_at"].decode(Date.self), texts: texts))
            }
            return rows
        } failure: { [location] in
            StoreError(.queryFailed, location: location, $0)
        }
    }

    public func count() async throws -> Int {
        let logger = session.logger
        return try await session.run { connection in
            for try await value in try await connection.query(
                "SELECT count(*) FROM alert_entry", logger: logger
            ).decode(Int64.self) {
                return Int(value)
            }
            return 0
        } failure: { [location] in
            StoreError(.queryFailed, location: location, $0)
        }
    }

    public func close() async throws {
        try await session.close()
    }
}
