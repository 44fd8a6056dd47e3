// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICERecords
import MICEStore
import MICETestSupport
import Testing

/// `micectl logs query`, the built binary, on a database the store wrote.
@Suite("micectl logs query", .timeLimit(.minutes(5)))
struct LogsQueryCommandTests {
    static var micectl: String { StoreTests.binDirectory + "/micectl" }

    static let records: [LogFormat] = [
        StoreTests.line("sshd: Failed password for root", host: "web1", time: "10:00:00"),
        StoreTests.line("cron: job done", host: "web1", time: "11:00:00"),
        StoreTests.line(
            bytes: Array("evil \u{1B}[2J".utf8) + [0xFF, 0x00] + Array(" tail".utf8), host: "db1", time: "12:00:00"),
        StoreTests.scslog(host: "web1", time: "13:00:00"),
        StoreTests.firewall(host: "gw", time: "14:00:00"),
    ]

    /// Parses the JSON lines of a run.
    static func objects(_ output: String) throws -> [JSONValue] {
        try output.split(separator: "\n").map { try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
    }

    @Test("SQLite: --host, --from/--to, --text, --limit, --table, --json, and a table safe for terminals")
    func sqlite() async throws {
        try await StoreTests.withTemporaryDirectory { folder in
            let path = folder + "/rawlog.sqlite"
            let store = try SQLiteRawLogStore(path: path, options: .init(sourceTimeZone: StoreTests.utc))
            try await store.insert(batch: Self.records)
            try await store.close()
            let common = ["logs", "query", "--db", path, "--timezone", "UTC"]

            let web1 = try await StoreTests.run(Self.micectl, common + ["--host", "web1", "--json"])
            #expect(web1.status == 0, "\(web1.errorText)")
            let objects = try Self.objects(web1.output)
            #expect(objects.map { $0["table"] } == ["rawlog_line", "rawlog_line", "scslog_line"])
            #expect(objects.first?["logline"] == "sshd: Failed password for root")
            #expect(objects.first?["logged_at"] == "2004-09-05T10:00:00.000Z")
            #expect(objects.last?["pid"] == -1)
            #expect(objects.last?["uid"] == .int(Int64(UInt32.max)))

            let window = try await StoreTests.run(
                Self.micectl, common + ["--from", "2004/09/05 10:30:00", "--to", "2004-09-05T13:00:00Z", "--json"])
            #expect(try Self.objects(window.output).map { $0["time"] } == ["11:00:00", "12:00:00", "13:00:00"])

            let text = try await StoreTests.run(Self.micectl, common + ["--text", "PASSWORD", "--json"])
            #expect(try Self.objects(text.output).count == 0, "the search is case-sensitive")
            let found = try await StoreTests.run(Self.micectl, common + ["--text", "Failed", "--json"])
            #expect(try Self.objects(found.output).map { $0["hostname"] } == ["web1"])

            let binary = try await StoreTests.run(Self.micectl, common + ["--host", "db1", "--json"])
            let line = try #require(try Self.objects(binary.output).first?["logline"]?["base64"]?.stringValue)
            #expect(Data(base64Encoded: line).map { [UInt8]($0) } == Self.records[2].logData, "binary lines as base64")

            let newest = try await StoreTests.run(Self.micectl, common + ["--limit", "1", "--newest-first", "--json"])
            #expect(try Self.objects(newest.output).map { $0["hostname"] } == ["gw"])
            let firewall = try await StoreTests.run(Self.micectl, common + ["--table", "firewall_line", "--json"])
            #expect(try Self.objects(firewall.output).first?["src_port"] == 40000)

            let table = try await StoreTests.run(Self.micectl, common)
            #expect(table.status == 0)
            let lines = table.output.split(separator: "\n").map(String.init)
            #expect(lines.count == 1 + Self.records.count)
            #expect(lines.first?.hasPrefix("LOGGED AT (") == true, "\(lines)")
            #expect(lines[1].contains("2004-09-05 10:00:00") && lines[1].contains("web1"))
            #expect(lines[3].contains("evil \\x1B[2J\\xFF\\x00 tail"), "\(lines[3])")
            #expect(!table.output.utf8.contains(0x1B), "an escape byte reached the terminal")
            #expect(lines[4].contains("syscall=execve") && lines[4].contains("uid=4294967295"))
            #expect(lines[5].contains("src=198.51.100.7:40000") && lines[5].contains("dst=192.0.2.1:22"))
            #expect(table.errorText.contains("5 rows"))
        }
    }

    @Test("errors: no database, both databases, a missing file, an unreadable time")
    func errors() async throws {
        let none = try await StoreTests.run(Self.micectl, ["logs", "query"])
        #expect(none.status != 0)
        #expect(none.errorText.contains("--db PATH or --postgres URL"), "\(none.errorText)")
        let both = try await StoreTests.run(
            Self.micectl, ["logs", "query", "--db", "x", "--postgres", "postgres://h/d"])
        #expect(both.status != 0)
        let missing = try await StoreTests.run(Self.micectl, ["logs", "query", "--db", "/nonexistent/rawlog.sqlite"])
        #expect(missing.status == 1)
        #expect(missing.errorText.contains("/nonexistent/rawlog.sqlite"), "\(missing.errorText)")
        let badTime = try await StoreTests.run(Self.micectl, ["logs", "query", "--db", "x", "--from", "yesterday"])
        #expect(badTime.status != 0)
        #expect(badTime.errorText.contains("--from"), "\(badTime.errorText)")
    }

    @Test("PostgreSQL: --postgres URL queries the server")
    func postgres() async throws {
        try await PostgresTestServer.with { server in
            // A reader creates nothing: before any writer, the tables are missing.
            let early = try await StoreTests.run(Self.micectl, ["logs", "query", "--postgres", server.url])
            #expect(early.status == 1)
            #expect(early.errorText.contains("does not exist"), "\(early.errorText)")
            #expect(try await server.rows("SELECT to_regclass('rawlog_line')::text") == [""])

            let store = PostgresRawLogStore(settings: server.settings, sourceTimeZone: StoreTests.utc)
            try await store.insert(batch: Self.records)
            try await store.close()
            let result = try await StoreTests.run(
                Self.micectl, ["logs", "query", "--postgres", server.url, "--host", "web1", "--text", "cron", "--json"])
            #expect(result.status == 0, "\(result.errorText)")
            #expect(try Self.objects(result.output).map { $0["logline"] } == ["cron: job done"])
            let wrong = try await StoreTests.run(
                Self.micectl,
                ["logs", "query", "--postgres", "postgres://mice:wrong-secret@127.0.0.1:\(server.port)/mice"])
            #expect(wrong.status == 1)
            #expect(!wrong.errorText.contains("wrong-secret"), "\(wrong.errorText)")
        }
    }
}
