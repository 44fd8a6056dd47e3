// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICEStore
import MICETestSupport
import Testing

@Suite("micectl alerts list|show on a real SQLite file")
struct AlertsCommandTests {
    /// 30 alerts, one a minute from 2004-09-05T18:00:00Z: even ones 0x1020 from 192.0.2.7 by
    /// MICE-RegEx, odd ones 0x8010 from 198.51.100.9 by other-analyzer.
    static func makeDatabase(_ scratch: Scratch) throws -> String {
        let path = scratch.path + "/alerts.sqlite"
        let store = try SQLiteAlertStore(path: path)
        let start = Date(timeIntervalSince1970: 1_094_407_200)
        let rows = (0..<30).map { index in
            let even = index % 2 == 0
            return AlertRow(
                receivedAt: start + Double(index * 60), alertID: even ? "0x1020" : "0x8010",
                alertDescription: even ? "Authentication Failure" : "Port scan",
                classification: even ? "0x1020" : "0x8010", analyzerID: even ? "MICE-RegEx" : "other-analyzer",
                alertIdent: String(index), createTime: "2004-09-05T18:55:00.00Z",
                source: .init(address: even ? "192.0.2.7" : "198.51.100.9", user: "UNKNOWN"),
                target: .init(address: "192.0.2.1", user: "root", process: "sshd", service: "ssh"),
                reactions: even ? [1, 2, 3] : [2], parseStatus: .parsed,
                idmefMessage: originalIdmef(
                    ident: index, classification: even ? "0x1020" : "0x8010",
                    source: even ? "192.0.2.7" : "198.51.100.9"))
        }
        try store.insertSynchronously(rows)
        return path
    }

    func micectl(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let result = try runProgram(TestPaths.binDirectory + "/micectl", ["alerts"] + arguments, timeout: 60)
        return (result.status, String(decoding: result.output, as: UTF8.self), result.errorText)
    }

    @Test("list filters by time, analyzer, alert ID and source; --limit, --newest-first and --json")
    func list() throws {
        let scratch = try Scratch("cli")
        defer { scratch.remove() }
        let db = try Self.makeDatabase(scratch)

        let all = try micectl(["list", "--db", db, "--limit", "1000"])
        #expect(all.status == 0, "\(all.error)")
        let lines = all.output.split(separator: "\n")
        #expect(lines.count == 31)
        #expect(lines.first?.hasPrefix("ENTRY") == true)
        #expect(lines[1].contains("2004-09-05T18:00:00.000Z") && lines[1].contains("0x1020"))
        #expect(lines[1].contains("MICE-RegEx") && lines[1].contains("192.0.2.7") && lines[1].contains("1,2,3"))
        #expect(all.error.contains("30 alerts"))

        // 18:10 … 18:19 inclusive: 10 rows; of those, 5 are 0x1020.
        let window = try micectl([
            "list", "--db", db, "--from", "2004-09-05T18:10:00Z", "--to", "2004/09/05 18:19:00", "--timezone", "UTC",
            "--alert-id", "0X1020", "--json",
        ])
        #expect(window.status == 0, "\(window.error)")
        let objects = try window.output.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(objects.count == 5)
        #expect(objects.allSatisfy { $0["alertid"] as? String == "0x1020" })
        #expect(objects.first?["received_at"] as? String == "2004-09-05T18:10:00.000Z")
        #expect((objects.first?["idmefmsg"] as? String)?.contains("<IDMEF-Message") == true)
        #expect(objects.first?["reactions"] as? [Int] == [1, 2, 3])

        let newest = try micectl([
            "list", "--db", db, "--analyzer", "other-analyzer", "--source", "198.51.100.9", "--limit", "2",
            "--newest-first", "--json",
        ])
        let newestObjects = try newest.output.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(newestObjects.map { $0["alert_ident"] as? String } == ["29", "27"])

        let none = try micectl(["list", "--db", db, "--source", "203.0.113.1", "--json"])
        #expect(none.status == 0 && none.output.isEmpty)
    }

    @Test("show prints every column and the stored IDMEF; errors exit 1 or 64")
    func show() throws {
        let scratch = try Scratch("cli-show")
        defer { scratch.remove() }
        let db = try Self.makeDatabase(scratch)
        let shown = try micectl(["show", "--db", db, "4"])
        #expect(shown.status == 0, "\(shown.error)")
        for expected in [
            "entry_id: 4", "received_at: 2004-09-05T18:03:00.000Z", "alertid: 0x8010", "alertdesc: Port scan",
            "analyzerid: other-analyzer", "alert_ident: 3", "source_address: 198.51.100.9", "source_user: UNKNOWN",
            "source_process: (null)", "target_service: ssh", "reactions: 2", "parse_status: parsed", "idmefmsg:",
            "<Classification origin=\"vendor-specific\"><name>0x8010</name>",
        ] {
            #expect(shown.output.contains(expected), "missing \(expected)")
        }
        #expect(try micectl(["show", "--db", db, "999"]).status == 1)
        #expect(try micectl(["show", "--db", scratch.path + "/missing.sqlite", "1"]).status == 1)
        #expect(try micectl(["list"]).status == 64)
        #expect(try micectl(["list", "--db", db, "--from", "yesterday"]).status == 64)
    }

    @Test("list and show read PostgreSQL (--postgres URL)")
    func postgres() async throws {
        try await PostgresTestServer.with { server in
            let store = PostgresAlertStore(settings: try PostgresSettings(url: server.url))
            let start = Date(timeIntervalSince1970: 1_094_407_200)
            let rows = (0..<5).map { index in
                AlertRow(
                    receivedAt: start + Double(index), alertID: "0x1020", classification: "0x1020",
                    analyzerID: "MICE-RegEx", source: .init(address: "192.0.2.\(index)"), reactions: [1],
                    parseStatus: .parsed, idmefMessage: originalIdmef(ident: index))
            }
            try await store.insert(rows)
            try await store.close()
            let listed = try micectl(["list", "--postgres", server.url, "--source", "192.0.2.3", "--json"])
            #expect(listed.status == 0, "\(listed.error)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [String: Any])
            #expect(object["source_address"] as? String == "192.0.2.3")
            let entryID = try #require(object["entry_id"] as? Int)
            let shown = try micectl(["show", "--postgres", server.url, String(entryID)])
            #expect(shown.status == 0 && shown.output.contains("source_address: 192.0.2.3"))
            #expect(shown.output.contains("<ident>3</ident>"))
        }
    }
}
