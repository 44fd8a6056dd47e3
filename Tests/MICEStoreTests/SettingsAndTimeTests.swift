// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import GRDB
import MICERecords
import MICEStore
import MICETestSupport
import Testing

/// Reading times and PostgreSQL URLs; dispatching records to tables.
@Suite("Raw-log store: times, URLs, tables")
struct SettingsAndTimeTests {
    static let utc = StoreTests.utc

    @Test(
        "times an operator types",
        arguments: [
            ("2004-09-05T18:55:00Z", 1_094_410_500.0),
            ("2004-09-05T18:55:00.250Z", 1_094_410_500.25),
            ("2004-09-05T20:55:00+02:00", 1_094_410_500.0),
            ("2004-09-05T20:55:00+0200", 1_094_410_500.0),
            ("2004-09-05T13:55:00-05", 1_094_410_500.0),
            ("2004-09-05 18:55:00", 1_094_410_500.0),
            ("2004/09/05 18:55:00", 1_094_410_500.0),
            ("2004/09/05 18:55", 1_094_410_500.0),
            ("2004/9/5 18:55:00 UTC", 1_094_410_500.0),
            ("2004-09-05", 1_094_342_400.0),
            ("2000-02-29 00:00:00", 951_782_400.0),
        ])
    func parses(text: String, seconds: Double) {
        #expect(LogTimestamp.parse(text, defaultTimeZone: Self.utc)?.timeIntervalSince1970 == seconds)
    }

    @Test(
        "not times",
        arguments: [
            "", "yesterday", "2004-13-01", "2004-02-30", "2001-02-29", "2004-09-05T", "2004-09-05T25:00:00",
            "2004-09-05 18:60:00", "2004-09-05 18:55:00 +25:00", "2004-09-05 18:55:00 CEST", "2004/09-05",
            "'; DROP TABLE rawlog_line; --",
        ])
    func rejects(text: String) {
        #expect(LogTimestamp.parse(text, defaultTimeZone: Self.utc) == nil)
    }

    @Test("a time without a zone is in the default zone, DST included")
    func defaultZone() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        #expect(
            LogTimestamp.parse("2004/09/05 18:55:00", defaultTimeZone: berlin)
                == LogTimestamp.parse("2004-09-05T16:55:00Z", defaultTimeZone: Self.utc))
        #expect(
            LogTimestamp.parse("2004/01/05 18:55:00", defaultTimeZone: berlin)
                == LogTimestamp.parse("2004-01-05T17:55:00Z", defaultTimeZone: Self.utc))
        #expect(
            LogTimestamp.parse("2004/01/05 18:55:00Z", defaultTimeZone: berlin)
                == LogTimestamp.parse("2004-01-05T18:55:00Z", defaultTimeZone: Self.utc))
    }

    @Test("PostgreSQL URLs: parts, percent-encoding, sslmode, socket folder; the password never shown")
    func urls() throws {
        let settings = try PostgresSettings(
            url: "postgres://mice%40site:p%40ss%3Aw%2Fd@db.example.org:6543/raw%20log?sslmode=require")
        #expect(settings.user == "mice@site")
        #expect(settings.password == "p@ss:w/d")
        #expect(settings.host == "db.example.org")
        #expect(settings.port == 6543)
        #expect(settings.database == "raw log")
        #expect(settings.tls == .require)
        #expect(!settings.description.contains("p@ss"))
        #expect(settings.description == "postgres://mice@site@db.example.org:6543/raw log")

        let defaults = try PostgresSettings(url: "postgresql://localhost")
        #expect(defaults.port == 5432)
        #expect(defaults.user == "mice")
        #expect(defaults.databaseName == "mice")
        #expect(defaults.tls == .disable)

        let socket = try PostgresSettings(url: "postgres:///rawlog?host=/run/postgresql&connect_timeout=3")
        #expect(socket.usesUnixSocket)
        #expect(socket.socketPath == "/run/postgresql/.s.PGSQL.5432")
        #expect(socket.connectTimeout == .seconds(3))

        for bad in [
            "mysql://h/d", "postgres://h:0/d", "postgres://h/d?sslmode=verify-full", "postgres://h/d?x=1", "not a url",
        ] {
            #expect(throws: StoreError.self, "\(bad)") { try PostgresSettings(url: bad) }
        }
        do {
            _ = try PostgresSettings(url: "postgres://u:secret@h/d?sslmode=bogus")
        } catch let error as StoreError {
            #expect(error.key == "url")
            #expect(!error.description.contains("secret"))
        }
    }

    @Test("records go to the table of their file type; unknown types are kept in rawlog_line")
    func dispatch() {
        #expect(RawLogTable.forFileType(LogFormat.FTF_FILE) == .rawlog)
        #expect(RawLogTable.forFileType(LogFormat.FTF_UNKNOWN) == .rawlog)
        #expect(RawLogTable.forFileType(LogFormat.FTF_LAUS) == .rawlog)
        #expect(RawLogTable.forFileType(LogFormat.FTF_SCSLOG) == .scslog)
        #expect(RawLogTable.forFileType(LogFormat.FTF_FIREWALL) == .firewall)
        #expect(RawLogTable.forFileType(.max) == .rawlog)
    }

    @Test("the terminal escaping keeps UTF-8 text and escapes everything that could steer a terminal")
    func escaping() {
        #expect(RawLogTableFormatter.escaped(Array("grüße ✓".utf8)) == "grüße ✓")
        #expect(RawLogTableFormatter.escaped([0x1B, 0x5B, 0x07, 0x0A, 0x5C, 0x7F]) == "\\x1B[\\x07\\x0A\\x5C\\x7F")
        #expect(RawLogTableFormatter.escaped([0xC2, 0x9B, 0x41]) == "\\xC2\\x9BA", "C1 controls are escaped")
        #expect(RawLogTableFormatter.escaped([0xE2, 0x82]) == "\\xE2\\x82")
    }
}

@Suite("SQLite timestamp text")
struct SQLiteTimestampTextTests {
    @Test("the fast formatter writes what GRDB's Date storage writes, and GRDB reads it back")
    func matchesGRDB() throws {
        var generator = SplitMix64(seed: 7)
        let database = try DatabaseQueue()
        for _ in 0..<2000 {
            let seconds = Double(generator.next() % 4_102_444_800) + Double(generator.next() % 1000) / 1000 + 0.0004
            let date = Date(timeIntervalSince1970: seconds)
            let ours = SQLiteTimestamp.text(date)
            #expect(ours == date.databaseValue.storage.value as? String)
            let back = try database.read { db in try Date.fetchOne(db, sql: "SELECT ?", arguments: [ours]) }
            #expect(back.map { abs($0.timeIntervalSince(date)) < 0.001 } == true)
        }
    }
}
