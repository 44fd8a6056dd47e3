// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICENFR
import MICETestSupport
import Testing

@Suite struct RecorderTests {
    static let seedSchema: [RecorderColumnType] = [.time, .ip, .int, .ip, .int, .string, .string]
    static let attacker = RecordedValue.parseDotted("208.239.113.163")!

    func seedSettings() throws -> RecorderSettings {
        try RecorderSettings(config: NFRConfigFile(path: "new_badhosts.cfg", text: NFRConfigFileTests.seedBackend))
    }

    /// The seed's sample rows (Thu Apr 30 1998, UTC).
    static let seedRows: [(Double, UInt32, Int, String, Int, String, String)] = [
        (893_954_759, attacker, 0, "10.0.0.255", 0, "ICMP", ""),
        (893_954_760, attacker, 0, "10.0.0.255", 0, "ICMP", ""),
        (893_954_761, attacker, 0, "10.0.0.255", 0, "ICMP", ""),
        (893_954_770, attacker, 8256, "10.0.2.255", 23, "TCP", "syn "),
        (893_954_773, attacker, 8256, "10.0.2.255", 23, "TCP", "syn "),
        (893_954_779, attacker, 8256, "10.0.2.255", 23, "TCP", "syn "),
        (893_954_787, attacker, 8275, "10.0.1.255", 23, "TCP", "syn "),
    ]

    @Test func listRowsQueryBackInTheSeedsTextLayout() throws {
        let scratch = try Scratch("nfr-list")
        defer { scratch.remove() }
        let recorder = Recorder(
            kind: .list, schema: Self.seedSchema, settings: try seedSettings(), home: scratch.path, package: "id",
            backend: "new_badhosts")
        for row in Self.seedRows {
            try recorder.record(
                [
                    .time(row.0), .ip(row.1), .int(row.2), .ip(RecordedValue.parseDotted(row.3)!), .int(row.4),
                    .string(row.5), .string(row.6),
                ], time: row.0)
        }
        try recorder.close()
        #expect(recorder.files.count == 1)
        #expect(recorder.files[0].hasPrefix(scratch.path + "/data/id/new_badhosts/1998/0430/"))
        let query = try RecorderQuery(
            root: try seedSettings().archiveRoot(home: scratch.path, package: "id", backend: "new_badhosts"))
        #expect(query.rows.count == 7)
        let expected = [
            "Thu Apr 30 16:45:59 1998 208.239.113.163            0 10.0.0.255                0 ICMP                                                          ",
            "Thu Apr 30 16:46:00 1998 208.239.113.163            0 10.0.0.255                0 ICMP                                                          ",
            "Thu Apr 30 16:46:01 1998 208.239.113.163            0 10.0.0.255                0 ICMP                                                          ",
            "Thu Apr 30 16:46:10 1998 208.239.113.163         8256 10.0.2.255               23 TCP                            syn                            ",
            "Thu Apr 30 16:46:13 1998 208.239.113.163         8256 10.0.2.255               23 TCP                            syn                            ",
            "Thu Apr 30 16:46:19 1998 208.239.113.163         8256 10.0.2.255               23 TCP                            syn                            ",
            "Thu Apr 30 16:46:27 1998 208.239.113.163         8275 10.0.1.255               23 TCP                            syn                            ",
        ]
        #expect(query.text() == expected.joined(separator: "\n") + "\n")
        let html = query.html(title: "New Bad Hosts")
        #expect(html.contains("<th>Source Addr</th>"))
        #expect(html.contains("<td>8275</td>"))
    }

    @Test func rolloverBySizeAndTime() throws {
        let scratch = try Scratch("nfr-roll")
        defer { scratch.remove() }
        var settings = try seedSettings()
        settings.rolloverBytes = nil
        settings.rolloverMilliseconds = 10_000
        let timed = Recorder(
            kind: .list, schema: [.time, .int], settings: settings, home: scratch.path, package: "p", backend: "timed")
        for second in 0..<25 {
            try timed.record([.time(Double(second)), .int(second)], time: Double(second))
        }
        try timed.close()
        // Sets start at 0, 10 and 20.
        #expect(timed.files.count == 3)
        settings.rolloverMilliseconds = nil
        settings.rolloverBytes = 600
        let sized = Recorder(
            kind: .list, schema: [.time, .string], settings: settings, home: scratch.path, package: "p",
            backend: "sized")
        for index in 0..<40 {
            try sized.record([.time(0), .string("row \(index) with some padding")], time: 0)
        }
        try sized.close()
        #expect(sized.files.count >= 3)
        for file in sized.files {
            let size = try #require(FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
            #expect(size < 600 + 40)
        }
        let query = try RecorderQuery(root: settings.archiveRoot(home: scratch.path, package: "p", backend: "sized"))
        #expect(query.rows.count == 40)
        #expect(query.rows.map(\.values.last) == (0..<40).map { RecordedValue.string("row \($0) with some padding") })
    }

    @Test func histogramCountsPerKeyAndRestartsAtRollover() throws {
        let scratch = try Scratch("nfr-hist")
        defer { scratch.remove() }
        var settings = RecorderSettings(columns: [.init(type: "p_src_ip", label: "Source")])
        settings.rolloverMilliseconds = 60_000
        let histogram = Recorder(
            kind: .histogram, schema: [.time, .ip], settings: settings, home: scratch.path, package: "scan",
            backend: "sources")
        let sources: [UInt32] = [1, 2, 1, 1, 3, 2]
        for (index, source) in sources.enumerated() {
            try histogram.record([.time(Double(index)), .ip(source)], time: Double(index))
        }
        try histogram.record([.time(70), .ip(1)], time: 70)
        try histogram.close()
        let query = try RecorderQuery(
            root: settings.archiveRoot(home: scratch.path, package: "scan", backend: "sources"))
        #expect(query.dataSets.count == 2)
        #expect(query.dataSets[0].rows.map(\.count) == [3, 2, 1])
        #expect(query.dataSets[0].rows.map(\.values) == [[.ip(1)], [.ip(2)], [.ip(3)]])
        #expect(query.dataSets[0].rows[0].first == 0)
        #expect(query.dataSets[0].rows[0].last == 3)
        #expect(query.dataSets[1].rows.map(\.count) == [1])
    }

    @Test func corruptDataSetIsAnErrorNamingTheLine() throws {
        let scratch = try Scratch("nfr-bad")
        defer { scratch.remove() }
        let recorder = Recorder(
            kind: .list, schema: [.time, .int], settings: RecorderSettings(archivePath: "d/"), home: scratch.path,
            package: "p", backend: "b")
        try recorder.record([.time(1), .int(1)], time: 1)
        try recorder.close()
        let handle = try #require(FileHandle(forWritingAtPath: recorder.files[0]))
        try handle.seekToEnd()
        try handle.write(contentsOf: Array("[1,\"not an int\"]\n".utf8))
        try handle.close()
        #expect(throws: NFRError(.badData, file: recorder.files[0], line: 3, "an int must be a number")) {
            try RecorderQuery(root: scratch.path + "/d")
        }
    }
}
