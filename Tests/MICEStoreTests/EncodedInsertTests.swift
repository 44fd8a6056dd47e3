// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import GRDB
import MICERecords
import Testing

@testable import MICEStore

/// The fast path of the SQLite store (records bound from their bytes) against the decoded path.
@Suite("Raw-log store: encoded records", .timeLimit(.minutes(5)))
struct EncodedInsertTests {
    /// Records that exercise every column rule: ASCII, invalid UTF-8 and non-ASCII text, empty
    /// fields, NUL inside log data, LAuS log data, a raw logtype union, unparsable and changing
    /// dates, and typed records in between.
    static func records() -> [LogFormat] {
        var records: [LogFormat] = []
        for (index, line) in StoreTests.hostileLines.enumerated() {
            records.append(StoreTests.line(bytes: line, time: "18:55:0\(index % 3)"))
        }
        records.append(StoreTests.line("plain", host: "h\u{F6}st-\u{1F600}"))
        var invalidHost = StoreTests.line("invalid host")
        invalidHost.host = [0x61, 0xFF, 0xC3]
        records.append(invalidHost)
        records.append(StoreTests.line(bytes: []))
        records.append(StoreTests.line("no date", date: "", time: ""))
        records.append(StoreTests.line("bad date", date: "2004/13/45", time: "25:61:00"))
        records.append(StoreTests.scslog())
        var laus = StoreTests.line(bytes: [1, 2, 0, 0, 3, 0, 4], fileType: LogFormat.FTF_LAUS)
        laus.timezone = Array("CET CEST".utf8)
        laus.daylight = -1
        records.append(laus)
        var union = StoreTests.line("raw union", date: "2004/09/06")
        union.logType = .raw([9, 0, 8, 7])
        union.pseudonymized = 1
        records.append(union)
        records.append(StoreTests.firewall())
        records.append(StoreTests.line("after the typed ones", date: "2004/09/06"))
        return records
    }

    @Test(
        "rows from encoded records equal the rows of the decoded records, both layouts",
        arguments: [
            LogFormatLayout.v02, LogFormatLayout.seed,
        ])
    func sameRows(layout: LogFormatLayout) async throws {
        try await StoreTests.withTemporaryDirectory { folder in
            var encoded = EncodedLogFormats(layout: layout)
            for record in Self.records() {
                let bytes = record.encode(layout: layout)
                let appended = bytes.withUnsafeBytes { encoded.append($0) }
                #expect(appended)
            }
            let empty = encoded.append(UnsafeRawBufferPointer(start: nil, count: 0))
            #expect(!empty)
            #expect(encoded.count == Self.records().count)
            let receivedAt = Date(timeIntervalSince1970: 1_094_403_300.25)
            let options = SQLiteRawLogStore.Options(sourceTimeZone: StoreTests.utc)
            let decodedStore = try SQLiteRawLogStore(path: folder + "/decoded.sqlite", options: options)
            let encodedStore = try SQLiteRawLogStore(path: folder + "/encoded.sqlite", options: options)
            // Twice: the second batch reuses the cached statement.
            for _ in 0..<2 {
                let count = encoded.count
                #expect(try decodedStore.insertSynchronously(batch: encoded.decoded(), receivedAt: receivedAt) == count)
                #expect(try encodedStore.insertSynchronously(encoded: encoded, receivedAt: receivedAt) == count)
            }
            for table in RawLogTable.allCases {
                let sql =
                    "SELECT *, "
                    + RawLogSchema.columns(table).map { "typeof(\"\($0.name)\")" }.joined(
                        separator: ", ") + " FROM \(RawLogSchema.quoted(table.name)) ORDER BY \"line_id\""
                let expected = try decodedStore.pool.read { try Row.fetchAll($0, sql: sql) }
                let actual = try encodedStore.pool.read { try Row.fetchAll($0, sql: sql) }
                #expect(!expected.isEmpty || (layout == .seed && table != .rawlog))
                #expect(actual == expected, "table \(table.name)")
            }
            let loglines = try encodedStore.allLoglines(.rawlog)
            #expect(loglines.contains([1, 2, 0, 0, 3, 0, 4]) == (layout == .v02))
            try await decodedStore.close()
            try await encodedStore.close()
        }
    }
}
