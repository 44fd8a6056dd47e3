// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICERecords
import MICEStore
import Testing

/// Checks every backend must pass; each starts from an empty database.
enum StoreChecks {
    /// Batches of several sizes and types: rows counted exactly, per table.
    static func exactCounts(_ store: any RawLogStore) async throws {
        #expect(try await store.totalCount() == 0)
        #expect(try await store.insert(batch: []) == 0)
        try await store.insert(batch: [StoreTests.line("one")])
        #expect(try await store.count(.rawlog) == 1)

        let mixed =
            (0..<5).map { StoreTests.line("mixed \($0)") } + [StoreTests.scslog(), StoreTests.firewall()]
            + [StoreTests.line(bytes: Array("laus".utf8), fileType: LogFormat.FTF_LAUS)]
            + [StoreTests.line(bytes: Array("unknown".utf8), fileType: LogFormat.FTF_UNKNOWN)]
            + [StoreTests.line(bytes: Array("type 99".utf8), fileType: 99)]
        #expect(try await store.insert(batch: mixed) == mixed.count)
        #expect(try await store.count(.rawlog) == 1 + 5 + 3)
        #expect(try await store.count(.scslog) == 1)
        #expect(try await store.count(.firewall) == 1)

        let big = (0..<1000).map { index in
            index % 10 == 0 ? StoreTests.scslog() : StoreTests.line("bulk \(index)")
        }
        try await store.insert(batch: big)
        #expect(try await store.count(.rawlog) == 9 + 900)
        #expect(try await store.count(.scslog) == 1 + 100)
        #expect(try await store.count(.firewall) == 1)
        #expect(try await store.totalCount() == 1 + mixed.count + 1000)
    }

    /// Hostile log lines, host names and fields come back byte for byte; no statement is harmed.
    static func hostileLines(_ store: any RawLogStore) async throws {
        let quote = "x'); DROP TABLE rawlog_line; --"
        var records = StoreTests.hostileLines.map { StoreTests.line(bytes: $0, host: "hostile") }
        var sneaky = StoreTests.line("fields", host: quote)
        sneaky.domain = Array("'; DELETE FROM firewall_line; --".utf8)
        sneaky.ipAddress = Array("1.2.3.4' OR '1'='1".utf8)
        sneaky.release = Array("\"release\"".utf8)
        sneaky.date = Array("2004/09/05'--".utf8)
        records.append(sneaky)
        var nulHost = StoreTests.line("nul in host", host: "a")
        nulHost.host = Array("nul".utf8) + [0] + Array("host".utf8)
        records.append(nulHost)
        try await store.insert(batch: records)

        let rows = try await store.query(host: "hostile", limit: 100)
        #expect(rows.count == StoreTests.hostileLines.count)
        #expect(Set(rows.map(\.logline)) == Set(StoreTests.hostileLines))
        let longest = try #require(rows.first { $0.logline.count == 4095 && $0.logline.first == 1 })
        #expect(longest.logline == StoreTests.hostileLines[5])

        let fields = try #require(try await store.query(host: quote).first)
        #expect(fields.domain == "'; DELETE FROM firewall_line; --")
        #expect(fields.ip == "1.2.3.4' OR '1'='1")
        #expect(fields.release == "\"release\"")
        #expect(fields.date == "2004/09/05'--")
        #expect(fields.loggedAt == fields.receivedAt, "an unreadable date falls back to the time of receipt")
        let nul = try #require(try await store.query(text: "nul in host").first)
        #expect(nul.hostname == "nul\u{FFFD}host", "a NUL in a text column is stored as U+FFFD")

        // Every table is still there and whole.
        #expect(try await store.count(.rawlog) == records.count)
        #expect(try await store.count(.scslog) == 0)
        #expect(try await store.count(.firewall) == 0)
    }

    /// scslog and firewall records land in their tables with typed columns, extremes included.
    static func typedColumns(_ store: any RawLogStore) async throws {
        // Through the 0.2 wire layout, as the decoder hands records to the plugin.
        let scs = try LogFormat(decoding: StoreTests.scslog().encode(layout: .v02), layout: .v02)
        let firewall = try LogFormat(decoding: StoreTests.firewall().encode(layout: .v02), layout: .v02)
        try await store.insert(batch: [scs, firewall])

        let scsRow = try #require(try await store.query(RawLogQuery(tables: [.scslog])).first)
        #expect(scsRow.table == .scslog)
        #expect(scsRow.scsLog == StoreTests.scsFields)
        #expect(scsRow.firewall == nil)
        #expect(scsRow.fileType == LogFormat.FTF_SCSLOG)
        #expect(scsRow.pseudonymized == 1)
        #expect(scsRow.timezone == "CET CEST")
        #expect(scsRow.daylight == 1)
        #expect(scsRow.hostname == "sensor")
        #expect(scsRow.osystem == "Linux")
        #expect(scsRow.release == "2.4.21")
        #expect(scsRow.version == "#1")
        #expect(scsRow.loglineText == "scslog: execve /bin/sh")

        let firewallRow = try #require(try await store.query(RawLogQuery(tables: [.firewall])).first)
        #expect(firewallRow.table == .firewall)
        #expect(firewallRow.firewall == StoreTests.firewallFields)
        #expect(firewallRow.hostname == "gateway")
        #expect(firewallRow.date == "2004/09/05")
        #expect(firewallRow.time == "18:55:02")
        #expect(firewallRow.loggedAt == LogTimestamp.parse("2004-09-05T18:55:02Z", defaultTimeZone: StoreTests.utc))

        // A plain record whose union holds bytes anyway keeps them in rawlog_line.logtype.
        var odd = StoreTests.line("odd union")
        odd.logType = .raw([1, 0, 2, 0xFF])
        try await store.insert(batch: [odd])
        let oddRow = try #require(try await store.query(text: "odd union").first)
        #expect(oddRow.logtype == [1, 0, 2, 0xFF])
        #expect(oddRow.signature == nil)

        let json = firewallRow.jsonObject
        #expect(json["table"] == "firewall_line")
        #expect(json["pac_length"] == .int(Int64(UInt32.max)))
        #expect(json["dst_port"] == 22)
        #expect(json["logged_at"] == "2004-09-05T18:55:02.000Z")
    }

    /// Queries by host, time, text and limit, in both orders.
    static func queries(_ store: any RawLogStore) async throws {
        try await store.insert(batch: [
            StoreTests.line("alpha sshd: Failed password for root", host: "web1", time: "10:00:00"),
            StoreTests.line("alpha cron: job done", host: "web1", time: "10:05:00"),
            StoreTests.line("beta sshd: Accepted publickey", host: "db1", time: "10:10:00"),
            StoreTests.scslog(host: "web1", time: "10:15:00"),
            StoreTests.firewall(host: "gw", time: "10:20:00"),
            StoreTests.line(bytes: Array("binary ".utf8) + [0xFF, 0x00, 0x01] + Array(" needle".utf8), host: "db1"),
        ])
        let utc = StoreTests.utc
        func at(_ text: String) -> Date? { LogTimestamp.parse(text, defaultTimeZone: utc) }

        let web1 = try await store.query(host: "web1")
        #expect(web1.map(\.table) == [.rawlog, .rawlog, .scslog])
        #expect(web1.map(\.time) == ["10:00:00", "10:05:00", "10:15:00"])

        let window = try await store.query(from: at("2004-09-05 10:05:00"), to: at("2004/09/05 10:15:00"))
        #expect(window.map(\.time) == ["10:05:00", "10:10:00", "10:15:00"], "both ends are inclusive")

        let sshd = try await store.query(text: "sshd:")
        #expect(sshd.map(\.hostname) == ["web1", "db1"])
        #expect(try await store.query(text: "SSHD:").isEmpty, "the search is case-sensitive")
        #expect(try await store.query(text: "needle").count == 1, "bytes after invalid UTF-8 and NUL are searched")
        #expect(try await store.query(text: "'; DROP TABLE").isEmpty)

        let combined = try await store.query(host: "web1", from: at("2004-09-05T10:01:00Z"), text: "alpha")
        #expect(combined.map(\.loglineText) == ["alpha cron: job done"])

        let firstTwo = try await store.query(limit: 2)
        #expect(firstTwo.map(\.time) == ["10:00:00", "10:05:00"])
        let newest = try await store.query(RawLogQuery(limit: 2, newestFirst: true))
        #expect(newest.map(\.time) == ["18:55:00", "10:20:00"])
        let firewallOnly = try await store.query(RawLogQuery(tables: [.firewall]))
        #expect(firewallOnly.map(\.hostname) == ["gw"])
        #expect(try await store.query(host: "nobody").isEmpty)
        #expect(try await store.query(RawLogQuery(limit: 0)).isEmpty)
    }

    /// A batch is one transaction: when one row fails, no row of the batch is stored.
    /// `poison` makes the database refuse rows whose hostname is "poison".
    static func atomicBatches(_ store: any RawLogStore, poison: () async throws -> Void) async throws {
        try await store.insert(batch: [StoreTests.line("before")])
        try await poison()
        let batch = [StoreTests.line("good 1"), StoreTests.scslog(), StoreTests.line("bad", host: "poison")]
        await #expect(throws: StoreError.self) { try await store.insert(batch: batch) }
        do {
            try await store.insert(batch: batch)
        } catch let error as StoreError {
            #expect(error.code == .writeFailed)
            #expect(error.detail.contains("3 records not stored"), "\(error)")
        }
        #expect(try await store.count(.rawlog) == 1)
        #expect(try await store.count(.scslog) == 0)
        try await store.insert(batch: [StoreTests.line("after")])
        #expect(try await store.count(.rawlog) == 2, "the store keeps working after a failed batch")
    }

    /// `logged_at` reads the records' local time in the configured zone.
    static func timeZones(_ store: any RawLogStore) async throws {
        try await store.insert(batch: [
            StoreTests.line("summer", date: "2004/09/05", time: "18:55:00"),
            StoreTests.line("winter", date: "2004/01/05", time: "18:55:00"),
        ])
        let rows = try await store.query(limit: 10)
        let utc = StoreTests.utc
        #expect(
            rows.first { $0.loglineText == "summer" }?.loggedAt
                == LogTimestamp.parse("2004-09-05T16:55:00Z", defaultTimeZone: utc))
        #expect(
            rows.first { $0.loglineText == "winter" }?.loggedAt
                == LogTimestamp.parse("2004-01-05T17:55:00Z", defaultTimeZone: utc))
    }
}
