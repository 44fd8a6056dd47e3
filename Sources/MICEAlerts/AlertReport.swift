// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEStore

/// What `micectl alerts` prints: the alert database opened for reading, one line per row for
/// `list`, every column for `show`.
public enum AlertReport {
    /// Opens the alert database read-only: an SQLite file or a PostgreSQL URL (exactly one).
    /// - Throws: ``StoreError`` when the file is missing or the URL is invalid.
    public static func openForReading(sqlitePath: String?, postgresURL: String?) throws -> any AlertStore {
        if let sqlitePath {
            return try SQLiteAlertStore(path: sqlitePath, readOnly: true)
        }
        return PostgresAlertStore(settings: try PostgresSettings(url: postgresURL ?? ""), createsSchema: false)
    }

    /// The header of ``listLine(_:)``.
    public static let listHeader = columns(
        "ENTRY", "RECEIVED (UTC)", "ALERTID", "CLASSIFICATION", "ANALYZER", "SOURCE", "TARGET", "REACTIONS", "STATUS")

    /// One row as a line: entry ID, time of receipt, alert ID, classification, analyzer, source
    /// and target address, reaction IDs, parse status (`-` for a missing value).
    public static func listLine(_ row: AlertRow) -> String {
        columns(
            String(row.entryID), AlertRow.isoFormat(row.receivedAt), row.alertID ?? "-", row.classification ?? "-",
            row.analyzerID ?? "-", row.source.address ?? "-", row.target.address ?? "-",
            row.reactions.isEmpty ? "-" : row.reactions.map(String.init).joined(separator: ","),
            row.parseStatus.rawValue)
    }

    /// Every column of a row, `name: value` a line, the stored IDMEF message last and whole.
    public static func detail(_ row: AlertRow) -> String {
        let fields: [(String, String?)] = [
            ("entry_id", String(row.entryID)), ("received_at", AlertRow.isoFormat(row.receivedAt)),
            ("alertid", row.alertID), ("alertdesc", row.alertDescription), ("classification", row.classification),
            ("analyzerid", row.analyzerID), ("alert_ident", row.alertIdent), ("create_time", row.createTime),
            ("source_address", row.source.address), ("source_user", row.source.user),
            ("source_process", row.source.process), ("source_service", row.source.service),
            ("target_address", row.target.address), ("target_user", row.target.user),
            ("target_process", row.target.process), ("target_service", row.target.service),
            ("reactions", row.reactions.map(String.init).joined(separator: ",")),
            ("parse_status", row.parseStatus.rawValue),
        ]
        var text = fields.map { "\($0.0): \($0.1 ?? "(null)")" }.joined(separator: "\n")
        text += "\nidmefmsg:\n" + row.idmefMessage
        if !row.idmefMessage.hasSuffix("\n") { text += "\n" }
        return text
    }

    private static let widths = [7, 25, 9, 16, 14, 16, 16, 10]

    private static func columns(_ values: String...) -> String {
        var line = ""
        for (index, value) in values.enumerated() {
            guard index < widths.count else {
                line += value
                break
            }
            let width = widths[index]
            line += value + String(repeating: " ", count: max(1, width - value.count))
        }
        return line
    }
}
