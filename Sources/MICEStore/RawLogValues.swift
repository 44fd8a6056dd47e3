// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICERecords

/// A value to bind to one column, before it becomes a backend's own type.
enum RawLogValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case blob([UInt8])
    case timestamp(Date)
    case null
}

/// The bound values of records, ready for a backend: grouped by table, in column order
/// (``RawLogSchema/columns(_:)``). Computed before a transaction starts, so the database is
/// locked only while rows are written.
struct RawLogValues: Sendable {
    /// The rows of each table; tables without rows are absent.
    var rows: [RawLogTable: [[RawLogValue]]] = [:]

    /// The number of rows.
    var count: Int { rows.values.reduce(0) { $0 + $1.count } }

    /// Converts `batch`; `sourceTimeZone` interprets the records' local date and time.
    init(batch: [LogFormat], receivedAt: Date, sourceTimeZone: TimeZone) {
        let converter = LogTimestamp.Converter(timeZone: sourceTimeZone)
        for record in batch {
            let table = RawLogTable.forFileType(record.fileType)
            rows[table, default: []].append(
                Self.values(of: record, table: table, receivedAt: receivedAt, converter: converter))
        }
    }

    static func values(
        of record: LogFormat, table: RawLogTable, receivedAt: Date, converter: LogTimestamp.Converter
    ) -> [RawLogValue] {
        let loggedAt = converter.date(recordDate: record.date, time: record.time) ?? receivedAt
        var values: [RawLogValue] = [
            .timestamp(receivedAt),
            .timestamp(loggedAt),
            .integer(Int64(record.fileType)),
            .integer(Int64(record.pseudonymized)),
            text(record.host),
            text(record.domain),
            text(record.ipAddress),
            text(record.operatingSystem),
            text(record.release),
            text(record.version),
            text(record.date),
            text(record.time),
            text(record.timezone),
            .integer(Int64(record.daylight)),
            .blob(record.logData),
        ]
        switch table {
        case .rawlog:
            values.append(.null)
            if case .raw(let bytes) = record.logType, !bytes.isEmpty {
                values.append(.blob(bytes))
            } else {
                values.append(.null)
            }
        case .scslog:
            let scs: SCSLogFormat
            if case .scsLog(let value) = record.logType { scs = value } else { scs = SCSLogFormat() }
            values += [
                text(scs.syscall), text(scs.program), .integer(Int64(scs.pid)), .integer(Int64(scs.uid)),
                .integer(Int64(scs.euid)), text(scs.call), text(scs.comment),
            ]
        case .firewall:
            let firewall: FirewallLogFormat
            if case .firewall(let value) = record.logType { firewall = value } else { firewall = FirewallLogFormat() }
            values += [
                text(firewall.action), text(firewall.inputInterface), text(firewall.outputInterface),
                text(firewall.mac), text(firewall.source), text(firewall.destination),
                .integer(Int64(firewall.ipLength)), .integer(Int64(firewall.tos)),
                .integer(Int64(firewall.precedence)), .integer(Int64(firewall.ttl)), .integer(Int64(firewall.id)),
                text(firewall.transportProtocol), .integer(Int64(firewall.sourcePort)),
                .integer(Int64(firewall.destinationPort)), .integer(Int64(firewall.packetLength)),
            ]
        }
        return values
    }

    /// A text column's value: UTF-8 with invalid sequences and NUL replaced by U+FFFD
    /// (PostgreSQL text cannot hold NUL). The exact bytes of the log line are in `logline`.
    static func text(_ bytes: [UInt8]) -> RawLogValue {
        .text(StoredText.string(bytes))
    }
}

/// The text form of a byte field, as stored in a text column.
enum StoredText {
    /// `bytes` as UTF-8, invalid sequences and NUL replaced by U+FFFD.
    static func string(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard bytes.contains(0) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\0" ? "\u{FFFD}" : $0 }))
    }
}
