// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICEAlerts
import MICECore
import MICEStore

/// `micectl alerts ...`: the alert database (`alert_entry`) written by mice-pop-act-generic.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Search the management host's alert database (alert_entry).",
        subcommands: [AlertsListCommand.self, AlertsShowCommand.self]
    )
}

/// The database options shared by `list` and `show`.
struct AlertDatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "SQLite database file (mice-pop-act-generic's DBPATH / path).")
    var db: String?

    @Option(name: .long, help: "PostgreSQL URL: postgres://user:password@host:port/database[?sslmode=...].")
    var postgres: String?

    func validate() throws {
        if (db == nil) == (postgres == nil) {
            throw ValidationError("give the database: --db PATH or --postgres URL (one of them)")
        }
    }

    /// Runs `query` against the database; errors are printed and end the command with exit 1.
    func rows(_ query: AlertQuery) async throws -> [AlertRow] {
        do {
            let store = try AlertReport.openForReading(sqlitePath: db, postgresURL: postgres)
            let rows = try await store.query(query)
            try? await store.close()
            return rows
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }
}

/// `micectl alerts list`: the stored alerts matching every criterion given.
struct AlertsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print stored alerts matching every criterion given, one line each.",
        discussion: """
            Times are ISO 8601 (2004-09-05T18:55:00Z, 2004-09-05T18:55:00+02:00, 2004-09-05) or \
            "2004/09/05 18:55:00"; a time without a zone is in --timezone. --from and --to compare with \
            received_at (when the management host received the alert), both inclusive. --alert-id \
            matches the alert ID of the match files or the classification, case-insensitively. The \
            database is opened read-only.
            """
    )

    @OptionGroup var database: AlertDatabaseOptions

    @Option(name: .long, help: "Only alerts received at or after this time.")
    var from: String?

    @Option(name: .long, help: "Only alerts received at or before this time.")
    var to: String?

    @Option(name: .long, help: "Only alerts of this analyzer ID (exact).")
    var analyzer: String?

    @Option(name: .customLong("alert-id"), help: "Only alerts with this alert ID or classification (e.g. 0x1020).")
    var alertID: String?

    @Option(name: .long, help: "Only alerts with this source address (exact).")
    var source: String?

    @Option(name: .long, help: "At most this many rows.")
    var limit = AlertQuery.defaultLimit

    @Flag(name: .long, help: "Newest alerts first (and the limit keeps the newest); default oldest first.")
    var newestFirst = false

    @Option(name: .long, help: "Time zone of times without one (default: local).")
    var timezone: String?

    @Flag(name: .long, help: "One JSON object per row, keyed by column name (with the IDMEF message).")
    var json = false

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be 1 or more") }
        if let timezone, TimeZone(identifier: timezone) == nil {
            throw ValidationError("--timezone: unknown time zone \"\(timezone)\"")
        }
        _ = try parsedTime(from, option: "--from")
        _ = try parsedTime(to, option: "--to")
    }

    func parsedTime(_ text: String?, option: String) throws -> Date? {
        guard let text else { return nil }
        let zone = timezone.flatMap(TimeZone.init(identifier:)) ?? .current
        guard let date = LogTimestamp.parse(text, defaultTimeZone: zone) else {
            throw ValidationError(
                "\(option): cannot read \"\(text)\" as a time (2004-09-05T18:55:00Z or \"2004/09/05 18:55:00\")")
        }
        return date
    }

    func run() async throws {
        let query = AlertQuery(
            from: try parsedTime(from, option: "--from"), to: try parsedTime(to, option: "--to"), analyzer: analyzer,
            alertID: alertID, source: source, limit: limit, newestFirst: newestFirst)
        let rows = try await database.rows(query)
        if json {
            for row in rows { print(row.jsonObject.compactJSON) }
        } else {
            print(AlertReport.listHeader)
            for row in rows { print(AlertReport.listLine(row)) }
            printError("\(rows.count) alert\(rows.count == 1 ? "" : "s")")
        }
    }
}

/// `micectl alerts show ENTRY_ID`: every column of one stored alert.
struct AlertsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print every column of one stored alert, the IDMEF message last."
    )

    @OptionGroup var database: AlertDatabaseOptions

    @Argument(help: "The alert's entry_id (first column of `micectl alerts list`).")
    var entryID: Int64

    @Flag(name: .long, help: "The row as one JSON object.")
    var json = false

    func run() async throws {
        let rows = try await database.rows(AlertQuery(entryID: entryID, limit: 1))
        guard let row = rows.first else {
            printError("error: no alert with entry_id \(entryID)")
            throw ExitCode.failure
        }
        print(json ? row.jsonObject.compactJSON : AlertReport.detail(row), terminator: json ? "\n" : "")
    }
}
