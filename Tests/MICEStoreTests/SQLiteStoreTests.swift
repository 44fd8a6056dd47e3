// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import GRDB
import MICERecords
import Testing

@testable import MICEStore

/// The SQLite backend on real database files.
@Suite("Raw-log store: SQLite", .timeLimit(.minutes(5)))
struct SQLiteStoreTests {
    /// Runs `body` with a new store in a fresh folder.
    func withStore(
        zone: TimeZone = StoreTests.utc, synchronous: SQLiteRawLogStore.Synchronous = .full,
        _ body: (SQLiteRawLogStore, String) async throws -> Void
    ) async throws {
        try await StoreTests.withTemporaryDirectory { folder in
            let path = folder + "/rawlog.sqlite"
            let store = try SQLiteRawLogStore(
                path: path, options: .init(synchronous: synchronous, sourceTimeZone: zone))
            try await body(store, path)
            try await store.close()
        }
    }

    @Test("rows are counted exactly after batches of 1, 10 and 1000")
    func exactCounts() async throws {
        try await withStore { store, _ in try await StoreChecks.exactCounts(store) }
    }

    @Test("hostile lines (NUL, invalid UTF-8, SQL quotes, 4095 bytes) are stored byte for byte")
    func hostileLines() async throws {
        try await withStore { store, path in
            try await StoreChecks.hostileLines(store)
            // The bytes in the file are the bytes sent: read them without the store.
            let reader = try DatabaseQueue(path: path)
            let stored = try await reader.read { db in
                try Data.fetchAll(db, sql: "SELECT \"logline\" FROM \"rawlog_line\" WHERE \"hostname\" = 'hostile'")
            }
            #expect(Set(stored.map { [UInt8]($0) }) == Set(StoreTests.hostileLines))
            try reader.close()
        }
    }

    @Test("scslog and firewall records land in their tables with typed columns")
    func typedColumns() async throws {
        try await withStore { store, path in
            try await StoreChecks.typedColumns(store)
            let reader = try DatabaseQueue(path: path)
            try await reader.read { db in
                let types = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT typeof("pid"), typeof("uid"), typeof("call"), typeof("logline"), typeof("logged_at"), \
                        "pid", "uid" FROM "scslog_line"
                        """)
                #expect(types?[0] == "integer")
                #expect(types?[1] == "integer")
                #expect(types?[2] == "text")
                #expect(types?[3] == "blob")
                #expect(types?[4] == "text")
                #expect(types?[5] == -1)
                #expect(types?[6] == Int64(UInt32.max))
                let ports = try Row.fetchOne(
                    db, sql: "SELECT typeof(\"src_port\"), \"src_port\", \"pac_length\" FROM \"firewall_line\"")
                #expect(ports?[0] == "integer")
                #expect(ports?[1] == 40000)
                #expect(ports?[2] == Int64(UInt32.max))
            }
            try reader.close()
        }
    }

    @Test("query by host, time range, text and limit")
    func queries() async throws {
        try await withStore { store, _ in try await StoreChecks.queries(store) }
    }

    @Test("a batch is one transaction: one refused row stores none of the batch")
    func atomicBatches() async throws {
        try await withStore { store, path in
            try await StoreChecks.atomicBatches(store) {
                let writer = try DatabaseQueue(path: path)
                try await writer.write { db in
                    try db.execute(
                        sql: """
                            CREATE TRIGGER "poison" BEFORE INSERT ON "rawlog_line" WHEN NEW."hostname" = 'poison'
                            BEGIN SELECT RAISE(ABORT, 'poisoned row'); END
                            """)
                }
                try writer.close()
            }
        }
    }

    @Test("logged_at reads cDate/cTime in the senders' time zone, DST included")
    func timeZones() async throws {
        try await withStore(zone: TimeZone(identifier: "Europe/Berlin")!) { store, _ in
            try await StoreChecks.timeZones(store)
        }
    }

    @Test("the schema: original tables and columns, quoted reserved words, indexes, WAL, migration recorded")
    func schema() async throws {
        try await withStore { store, path in
            let reader = try DatabaseQueue(path: path)
            try await reader.read { db in
                let rawlog = try db.columns(in: "rawlog_line").map(\.name)
                for column in [
                    "hostname", "domain", "ip", "osystem", "release", "version", "date", "time", "logline", "signature",
                ] {
                    #expect(rawlog.contains(column), "rawlog_line lacks \(column)")
                }
                let scslog = try db.columns(in: "scslog_line").map(\.name)
                for column in ["syscall", "program", "pid", "uid", "euid", "call", "comment", "hostname"] {
                    #expect(scslog.contains(column), "scslog_line lacks \(column)")
                }
                let firewall = try db.columns(in: "firewall_line").map(\.name)
                for column in [
                    "action", "if_in", "if_out", "mac", "source", "destination", "ip_length", "tos", "prec", "ttl",
                    "id", "protocol", "src_port", "dst_port", "pac_length", "date", "time",
                ] {
                    #expect(firewall.contains(column), "firewall_line lacks \(column)")
                }
                for table in ["rawlog_line", "scslog_line", "firewall_line"] {
                    #expect(try db.primaryKey(table).columns == ["line_id"])
                    let indexed = Set(try db.indexes(on: table).map(\.columns))
                    #expect(indexed.contains(["hostname", "logged_at"]), "\(table): \(indexed)")
                    #expect(indexed.contains(["logged_at"]))
                    #expect(indexed.contains(["received_at"]))
                }
                #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
                #expect(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") == ["rawlog-v1"])
            }
            try reader.close()
            // Opening again migrates nothing and keeps the rows.
            try await store.insert(batch: [StoreTests.line("kept")])
            let again = try SQLiteRawLogStore(path: path, options: .init(sourceTimeZone: StoreTests.utc))
            #expect(try await again.count(.rawlog) == 1)
            try await again.close()
        }
    }

    @Test("synchronous FULL is set on the writer; NORMAL when asked")
    func synchronousSetting() async throws {
        for (mode, pragma) in [(SQLiteRawLogStore.Synchronous.full, 2), (.normal, 1)] {
            try await withStore(synchronous: mode) { store, _ in
                #expect(store.options.synchronous == mode)
                let value = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
                #expect(value == pragma, "PRAGMA synchronous of the writer for \(mode)")
            }
        }
    }

    @Test("read-only: a missing file is an error naming it; reading never creates or migrates")
    func readOnly() async throws {
        try await StoreTests.withTemporaryDirectory { folder in
            let missing = folder + "/missing.sqlite"
            #expect {
                _ = try SQLiteRawLogStore(path: missing, options: .init(readOnly: true))
            } throws: { error in
                let error = error as? StoreError
                return error?.code == .openFailed && error?.location == missing && error?.key == "path"
            }
            #expect(!FileManager.default.fileExists(atPath: missing))
            let writer = try SQLiteRawLogStore(
                path: folder + "/db.sqlite", options: .init(sourceTimeZone: StoreTests.utc))
            try await writer.insert(batch: [StoreTests.line("visible")])
            let reader = try SQLiteRawLogStore(path: folder + "/db.sqlite", options: .init(readOnly: true))
            #expect(try await reader.query(text: "visible").count == 1)
            await #expect(throws: StoreError.self) { try await reader.insert(batch: [StoreTests.line("no")]) }
            try await reader.close()
            try await writer.close()
            #expect {
                _ = try SQLiteRawLogStore(path: folder, options: .init())
            } throws: { ($0 as? StoreError)?.code == .openFailed }
        }
    }

    @Test("throughput: batches of 1000 records, synchronous FULL and NORMAL (printed)")
    func throughput() async throws {
        let batch = (0..<1000).map { index in
            StoreTests.line(
                "Sep  5 18:55:00 host sshd[\(index)]: Failed password for invalid user admin from 198.51.100.7 port "
                    + "\(40000 + index) ssh2")
        }
        for mode in SQLiteRawLogStore.Synchronous.allCases {
            try await withStore(synchronous: mode) { store, _ in
                try await store.insert(batch: batch)  // warm-up: statement cache, file growth
                let batches = 20
                let clock = ContinuousClock()
                let elapsed = try await clock.measure {
                    for _ in 0..<batches { try await store.insert(batch: batch) }
                }
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let rate = Double(batches * batch.count) / seconds
                print(
                    "SQLite synchronous=\(mode.rawValue): \(batches) batches of \(batch.count) in "
                        + "\(String(format: "%.3f", seconds)) s = \(Int(rate)) inserts/s")
                #expect(try await store.count(.rawlog) == (batches + 1) * batch.count)
            }
        }
    }
}
