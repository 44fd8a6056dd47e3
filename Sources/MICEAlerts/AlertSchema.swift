// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// The schema of `alert_entry`, shared by both backends: the original columns of spec §9 (without
/// the local date/time strings and the constant `signature`), plus a primary key, the time of
/// receipt, the alert's identifier and creation time, the reaction IDs and the parse outcome.
enum AlertSchema {
    enum ColumnType {
        case text, timestamp

        var sqlite: String { self == .text ? "TEXT" : "DATETIME" }
        var postgres: String { self == .text ? "text" : "timestamptz" }
    }

    static let table = "alert_entry"
    static let primaryKey = "entry_id"
    static let version = 1
    static let versionTable = "mice_alert_schema"
    static let migrationLockKey: Int64 = 0x4D49_4345_414C_5254

    /// Inserted columns in order: (name, type, nullable).
    static let columns: [(name: String, type: ColumnType, nullable: Bool)] = [
        ("received_at", .timestamp, false),
        ("alertid", .text, true),
        ("alertdesc", .text, true),
        ("classification", .text, true),
        ("analyzerid", .text, true),
        ("alert_ident", .text, true),
        ("create_time", .text, true),
        ("source_address", .text, true),
        ("source_user", .text, true),
        ("source_process", .text, true),
        ("source_service", .text, true),
        ("target_address", .text, true),
        ("target_user", .text, true),
        ("target_process", .text, true),
        ("target_service", .text, true),
        ("reactions", .text, false),
        ("parse_status", .text, false),
        ("idmefmsg", .text, false),
    ]

    static let indexes: [(name: String, columns: [String])] = [
        ("alert_entry_received_at", ["received_at"]),
        ("alert_entry_analyzer_time", ["analyzerid", "received_at"]),
        ("alert_entry_alertid", ["alertid"]),
        ("alert_entry_classification", ["classification"]),
        ("alert_entry_source_address", ["source_address"]),
    ]

    static func quoted(_ name: String) -> String { "\"\(name)\"" }

    static var selectList: String { ([primaryKey] + columns.map(\.name)).map(quoted).joined(separator: ", ") }

    static var sqliteCreateTable: String {
        "CREATE TABLE \(quoted(table)) (\(quoted(primaryKey)) INTEGER PRIMARY KEY, "
            + columns.map { "\(quoted($0.name)) \($0.type.sqlite)\($0.nullable ? "" : " NOT NULL")" }
            .joined(separator: ", ") + ")"
    }

    static var postgresCreateTable: String {
        "CREATE TABLE IF NOT EXISTS \(quoted(table)) "
            + "(\(quoted(primaryKey)) bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
            + columns.map { "\(quoted($0.name)) \($0.type.postgres)\($0.nullable ? "" : " NOT NULL")" }
            .joined(separator: ", ") + ")"
    }

    static func createIndexes(ifNotExists: Bool) -> [String] {
        indexes.map { index in
            "CREATE INDEX \(ifNotExists ? "IF NOT EXISTS " : "")\(quoted(index.name)) ON \(quoted(table)) ("
                + index.columns.map(quoted).joined(separator: ", ") + ")"
        }
    }

    /// The text values of a row in column order after `received_at`.
    static func textValues(_ row: AlertRow) -> [String?] {
        [
            row.alertID, row.alertDescription, row.classification, row.analyzerID, row.alertIdent, row.createTime,
            row.source.address, row.source.user, row.source.process, row.source.service,
            row.target.address, row.target.user, row.target.process, row.target.service,
            row.reactions.map(String.init).joined(separator: ","), row.parseStatus.rawValue, row.idmefMessage,
        ].map { $0.map(clean) }
    }

    /// Text as both backends store it: NUL (refused by PostgreSQL) becomes U+FFFD.
    static func clean(_ text: String) -> String {
        text.contains("\u{0}") ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text
    }

    /// Builds a row from the columns read back (texts in the order of ``textValues(_:)``).
    static func makeRow(entryID: Int64, receivedAt: Date, texts: [String?]) -> AlertRow {
        func at(_ index: Int) -> String? { index < texts.count ? texts[index] : nil }
        return AlertRow(
            entryID: entryID, receivedAt: receivedAt, alertID: at(0), alertDescription: at(1), classification: at(2),
            analyzerID: at(3), alertIdent: at(4), createTime: at(5),
            source: .init(address: at(6), user: at(7), process: at(8), service: at(9)),
            target: .init(address: at(10), user: at(11), process: at(12), service: at(13)),
            reactions: (at(14) ?? "").split(separator: ",").compactMap { Int($0) },
            parseStatus: IdmefParseResult.Status(rawValue: at(15) ?? "") ?? .unparsable,
            idmefMessage: at(16) ?? "")
    }
}
