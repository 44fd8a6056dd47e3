// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The SQL type of a column, mapped to each backend's own type.
enum RawLogColumnType: Sendable {
    /// UTF-8 text (invalid sequences and NUL replaced by U+FFFD).
    case text
    /// A signed 32-bit integer (`pid_t`, `int`).
    case int32
    /// An unsigned 32-bit integer (`u_int`, `uid_t`); `bigint` in PostgreSQL.
    case uint32
    /// Bytes stored exactly.
    case blob
    /// A point in time, in UTC.
    case timestamp

    var sqliteType: String {
        switch self {
        case .text: return "TEXT"
        case .int32, .uint32: return "INTEGER"
        case .blob: return "BLOB"
        case .timestamp: return "DATETIME"
        }
    }

    var postgresType: String {
        switch self {
        case .text: return "text"
        case .int32: return "integer"
        case .uint32: return "bigint"
        case .blob: return "bytea"
        case .timestamp: return "timestamptz"
        }
    }
}

/// One column of a raw-log table.
struct RawLogColumn: Sendable {
    var name: String
    var type: RawLogColumnType
    var isNullable = false
}

/// The schema of the raw-log database, shared by both backends: the original columns of spec
/// section 9 with proper types, plus a primary key, the time of receipt, the record's time as a
/// real timestamp, and the LogFormat fields the original dropped (file type, time zone, log data
/// of typed records), so a stored row keeps everything the record held.
enum RawLogSchema {
    /// The schema version; PostgreSQL records it in ``versionTable``, SQLite in GRDB's migrations.
    static let version = 1
    /// The PostgreSQL table that records applied schema versions.
    static let versionTable = "mice_rawlog_schema"
    /// The primary key of every table (`id` is taken: `firewall_line.id` is the IP header's id).
    static let primaryKey = "line_id"

    /// Columns every table has, in insert order.
    static let common: [RawLogColumn] = [
        RawLogColumn(name: "received_at", type: .timestamp),
        RawLogColumn(name: "logged_at", type: .timestamp),
        RawLogColumn(name: "file_type", type: .uint32),
        RawLogColumn(name: "pseudonymized", type: .uint32),
        RawLogColumn(name: "hostname", type: .text),
        RawLogColumn(name: "domain", type: .text),
        RawLogColumn(name: "ip", type: .text),
        RawLogColumn(name: "osystem", type: .text),
        RawLogColumn(name: "release", type: .text),
        RawLogColumn(name: "version", type: .text),
        RawLogColumn(name: "date", type: .text),
        RawLogColumn(name: "time", type: .text),
        RawLogColumn(name: "timezone", type: .text),
        RawLogColumn(name: "daylight", type: .int32),
        RawLogColumn(name: "logline", type: .blob),
    ]

    /// Columns of one table only, in insert order.
    static func specific(_ table: RawLogTable) -> [RawLogColumn] {
        switch table {
        case .rawlog:
            return [
                RawLogColumn(name: "signature", type: .text, isNullable: true),
                RawLogColumn(name: "logtype", type: .blob, isNullable: true),
            ]
        case .scslog:
            return [
                RawLogColumn(name: "syscall", type: .text),
                RawLogColumn(name: "program", type: .text),
                RawLogColumn(name: "pid", type: .int32),
                RawLogColumn(name: "uid", type: .uint32),
                RawLogColumn(name: "euid", type: .uint32),
                RawLogColumn(name: "call", type: .text),
                RawLogColumn(name: "comment", type: .text),
            ]
        case .firewall:
            return [
                RawLogColumn(name: "action", type: .text),
                RawLogColumn(name: "if_in", type: .text),
                RawLogColumn(name: "if_out", type: .text),
                RawLogColumn(name: "mac", type: .text),
                RawLogColumn(name: "source", type: .text),
                RawLogColumn(name: "destination", type: .text),
                RawLogColumn(name: "ip_length", type: .uint32),
                RawLogColumn(name: "tos", type: .uint32),
                RawLogColumn(name: "prec", type: .uint32),
                RawLogColumn(name: "ttl", type: .uint32),
                RawLogColumn(name: "id", type: .uint32),
                RawLogColumn(name: "protocol", type: .text),
                RawLogColumn(name: "src_port", type: .uint32),
                RawLogColumn(name: "dst_port", type: .uint32),
                RawLogColumn(name: "pac_length", type: .uint32),
            ]
        }
    }

    /// Every inserted column of `table`, in insert order (the primary key is generated).
    static func columns(_ table: RawLogTable) -> [RawLogColumn] { common + specific(table) }

    /// The indexes of `table`: by host and time, by time, by time of receipt.
    static func indexes(_ table: RawLogTable) -> [(name: String, columns: [String])] {
        [
            ("\(table.name)_host_time", ["hostname", "logged_at"]),
            ("\(table.name)_logged_at", ["logged_at"]),
            ("\(table.name)_received_at", ["received_at"]),
        ]
    }

    /// `name` as a quoted SQL identifier; every identifier is quoted, so reserved words
    /// (`release`, `call`, `time`, ...) need no special care. Names here are constants.
    static func quoted(_ name: String) -> String { "\"\(name)\"" }

    /// The quoted column list of `table` for SELECT: primary key first, then insert order.
    static func selectList(_ table: RawLogTable) -> String {
        ([primaryKey] + columns(table).map(\.name)).map(quoted).joined(separator: ", ")
    }

    /// CREATE TABLE for SQLite.
    static func sqliteCreateTable(_ table: RawLogTable) -> String {
        let columns = columns(table).map { column in
            "\(quoted(column.name)) \(column.type.sqliteType)\(column.isNullable ? "" : " NOT NULL")"
        }
        return "CREATE TABLE \(quoted(table.name)) (\(quoted(primaryKey)) INTEGER PRIMARY KEY, "
            + columns.joined(separator: ", ") + ")"
    }

    /// CREATE TABLE IF NOT EXISTS for PostgreSQL.
    static func postgresCreateTable(_ table: RawLogTable) -> String {
        let columns = columns(table).map { column in
            "\(quoted(column.name)) \(column.type.postgresType)\(column.isNullable ? "" : " NOT NULL")"
        }
        return "CREATE TABLE IF NOT EXISTS \(quoted(table.name)) "
            + "(\(quoted(primaryKey)) bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
            + columns.joined(separator: ", ") + ")"
    }

    /// CREATE INDEX statements of `table`; `ifNotExists` for PostgreSQL.
    static func createIndexes(_ table: RawLogTable, ifNotExists: Bool) -> [String] {
        indexes(table).map { index in
            "CREATE INDEX \(ifNotExists ? "IF NOT EXISTS " : "")\(quoted(index.name)) ON \(quoted(table.name)) ("
                + index.columns.map(quoted).joined(separator: ", ") + ")"
        }
    }
}
