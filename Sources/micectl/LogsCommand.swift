// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICECore
import MICEStore

/// `micectl logs ...`: the raw-log database written by mice-pop-rawlog.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Search the raw-log database (rawlog_line, scslog_line, firewall_line).",
        subcommands: [LogsQueryCommand.self]
    )
}

extension RawLogTable: ExpressibleByArgument {}

/// `micectl logs query`: the stored log lines of a host, a time range or a text, to check by
/// hand what the log path stored.
struct LogsQueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Print stored log lines matching every criterion given.",
        discussion: """
            Times are ISO 8601 (2004-09-05T18:55:00Z, 2004-09-05T18:55:00+02:00, 2004-09-05) or the \
            records' own form "2004/09/05 18:55:00"; a time without a zone is in --timezone. --from and \
            --to compare with logged_at (the record's date and time), both inclusive. --text is a \
            case-sensitive substring of the log line's bytes. The database is opened read-only.
            """
    )

    @Option(name: .long, help: "SQLite database file (mice-pop-rawlog's path).")
    var db: String?

    @Option(name: .long, help: "PostgreSQL URL: postgres://user:password@host:port/database[?sslmode=...].")
    var postgres: String?

    @Option(name: .long, help: "Only rows of this host name (exact).")
    var host: String?

    @Option(name: .long, help: "Only rows logged at or after this time.")
    var from: String?

    @Option(name: .long, help: "Only rows logged at or before this time.")
    var to: String?

    @Option(name: .long, help: "Only rows whose log line contains this text.")
    var text: String?

    @Option(name: .long, help: "At most this many rows.")
    var limit = RawLogQuery.defaultLimit

    @Option(name: .long, help: "Search only this table (repeatable): rawlog_line, scslog_line, firewall_line.")
    var table: [RawLogTable] = []

    @Flag(name: .long, help: "Newest rows first (and the limit keeps the newest).")
    var newestFirst = false

    @Option(name: .long, help: "Time zone of times without one, and of the table's times (default: local).")
    var timezone: String?

    @Flag(name: .long, help: "One JSON object per row, keyed by column name.")
    var json = false

    func validate() throws {
        if (db == nil) == (postgres == nil) {
            throw ValidationError("give the database: --db PATH or --postgres URL (one of them)")
        }
        if limit < 1 { throw ValidationError("--limit must be 1 or more") }
        if let timezone, TimeZone(identifier: timezone) == nil {
            throw ValidationError("--timezone: unknown time zone \"\(timezone)\"")
        }
        _ = try parsedTime(from, option: "--from")
        _ = try parsedTime(to, option: "--to")
    }

    var zone: TimeZone { timezone.flatMap(TimeZone.init(identifier:)) ?? .current }

    func parsedTime(_ text: String?, option: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = LogTimestamp.parse(text, defaultTimeZone: zone) else {
            throw ValidationError(
                "\(option): cannot read \"\(text)\" as a time (2004-09-05T18:55:00Z or \"2004/09/05 18:55:00\")")
        }
        return date
    }

    func run() async throws {
        let query = RawLogQuery(
            host: host, from: try parsedTime(from, option: "--from"), to: try parsedTime(to, option: "--to"),
            text: text, limit: limit, tables: table.isEmpty ? Set(RawLogTable.allCases) : Set(table),
            newestFirst: newestFirst)
        let store: any RawLogStore
        let rows: [RawLogRow]
        do {
            if let db {
                store = try SQLiteRawLogStore(path: db, options: .init(sourceTimeZone: zone, readOnly: true))
            } else {
                store = PostgresRawLogStore(
                    settings: try PostgresSettings(url: postgres ?? ""), sourceTimeZone: zone, createsSchema: false)
            }
            rows = try await store.query(query)
            try? await store.close()
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
        if json {
            for row in rows { print(row.jsonObject.compactJSON) }
        } else {
            for line in RawLogTableFormatter(timeZone: zone).lines(rows) { print(line) }
            printError("\(rows.count) row\(rows.count == 1 ? "" : "s")")
        }
    }
}
