// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICENFR
import MICETestSupport
import Testing

/// Every stage of the seed's packages/id/new_badhosts, run by `micectl nfr run` (a real process)
/// over the seed capture, gives the output the seed describes.
@Suite("The seed's new_badhosts example, stage by stage", .timeLimit(.minutes(2)))
struct SeedExampleTests {
    static let fixtures = TestPaths.repositoryRoot + "/Tests/Fixtures/nfr"
    static let shipped = TestPaths.repositoryRoot + "/plugins/nfr/packages/id"
    static let attackerLines = [
        "208.239.113.163->10.0.0.255", "208.239.113.163->10.0.0.255", "208.239.113.163->10.0.0.255",
        "208.239.113.163->10.0.2.255", "208.239.113.163->10.0.2.255", "208.239.113.163->10.0.2.255",
        "208.239.113.163->10.0.1.255",
    ]

    static func micectl() -> String { TestPaths.binDirectory + "/micectl" }

    /// A home with package id holding new_badhosts at `stage` (the shipped files for stage 7).
    static func home(stage: Int, scratch: Scratch) throws -> String {
        let home = scratch.folder("home")
        let package = home + "/packages/id"
        try FileManager.default.createDirectory(atPath: package, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: shipped + "/id.cfg", toPath: package + "/id.cfg")
        if stage >= 6 {
            try FileManager.default.copyItem(
                atPath: shipped + "/new_badhosts.cfg", toPath: package + "/new_badhosts.cfg")
        } else {
            try "enabled=true\ntitle=New Bad Hosts\n".write(
                toFile: package + "/new_badhosts.cfg", atomically: true, encoding: .utf8)
        }
        if stage >= 7 {
            for ext in ["nfr", "acf"] {
                try FileManager.default.copyItem(
                    atPath: shipped + "/new_badhosts." + ext, toPath: package + "/new_badhosts." + ext)
            }
        } else {
            try FileManager.default.copyItem(
                atPath: fixtures + "/stage\(stage).nfr", toPath: package + "/new_badhosts.nfr")
        }
        return home
    }

    static func run(stage: Int, extra: [String] = []) throws -> (
        stdout: String, stderr: String, home: String, scratch: Scratch
    ) {
        let scratch = try Scratch("nfr-seed-\(stage)")
        let home = try home(stage: stage, scratch: scratch)
        let capture = scratch.path + "/seed.pcap"
        try SeedCapture.write(to: capture)
        let result = try runProgram(micectl(), ["nfr", "run", home, "--pcap", capture] + extra, timeout: 60)
        #expect(result.status == 0, "\(result.errorText)")
        return (String(decoding: result.output, as: UTF8.self), result.errorText, home, scratch)
    }

    @Test func theShippedBackendIsTheSeedsLastStage() throws {
        func words(_ path: String) throws -> [Substring] {
            try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: {
                $0 == " " || $0 == "\t" || $0 == "\n"
            })
        }
        #expect(try words(Self.shipped + "/new_badhosts.nfr") == words(Self.fixtures + "/stage7.nfr"))
    }

    @Test func stage1PrintsTheListOnce() throws {
        let result = try Self.run(stage: 1)
        defer { result.scratch.remove() }
        #expect(result.stdout == "This is badhosts: [10.0.0.255,10.0.1.255,10.0.2.255,10.0.255.255]\n")
    }

    @Test func stage2EchoesEveryIPPacket() throws {
        let result = try Self.run(stage: 2)
        defer { result.scratch.remove() }
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == SeedCapture.packets().count)
        #expect(lines.first == "Here 00: 10.0.0.5->10.0.0.7")
        #expect(lines.allSatisfy { $0.hasPrefix("Here 00: ") })
    }

    @Test func stage3OnlyBroadcastAddressesExceptedHostsIncluded() throws {
        let result = try Self.run(stage: 3)
        defer { result.scratch.remove() }
        let lines = result.stdout.split(separator: "\n").map { String($0.dropFirst("Here 00: ".count)) }
        #expect(lines.count == 11)
        #expect(lines.contains("10.0.0.5->10.0.0.255"))
        #expect(lines.contains("10.0.2.3->10.0.255.255"))
        #expect(!lines.contains("10.0.0.9->10.0.1.9"))
    }

    @Test func stage4ExceptionsLeaveTheAttackerOnly() throws {
        let result = try Self.run(stage: 4)
        defer { result.scratch.remove() }
        #expect(result.stdout == Self.attackerLines.map { "Here 00: \($0)\n" }.joined())
    }

    @Test func stage5NamesTheProtocol() throws {
        let result = try Self.run(stage: 5)
        defer { result.scratch.remove() }
        let protocols = ["ICMP", "ICMP", "ICMP", "TCP", "TCP", "TCP", "TCP"]
        #expect(result.stdout == zip(Self.attackerLines, protocols).map { "Here 00: \($0): \($1)\n" }.joined())
    }

    static let seedRows = """
        Thu Apr 30 16:45:59 1998 208.239.113.163            0 10.0.0.255                0 ICMP                                                          
        Thu Apr 30 16:46:00 1998 208.239.113.163            0 10.0.0.255                0 ICMP                                                          
        Thu Apr 30 16:46:01 1998 208.239.113.163            0 10.0.0.255                0 ICMP                                                          
        Thu Apr 30 16:46:10 1998 208.239.113.163         8256 10.0.2.255               23 TCP                            syn                            
        Thu Apr 30 16:46:13 1998 208.239.113.163         8256 10.0.2.255               23 TCP                            syn                            
        Thu Apr 30 16:46:19 1998 208.239.113.163         8256 10.0.2.255               23 TCP                            syn                            
        Thu Apr 30 16:46:27 1998 208.239.113.163         8275 10.0.1.255               23 TCP                            syn                            

        """

    @Test func stage6RecordsTheSeedsRows() throws {
        let result = try Self.run(stage: 6)
        defer { result.scratch.remove() }
        let query = try runProgram(Self.micectl(), ["nfr", "query", "id/new_badhosts", "--home", result.home])
        #expect(query.status == 0, "\(query.errorText)")
        #expect(String(decoding: query.output, as: UTF8.self) == Self.seedRows)
        let html = try runProgram(Self.micectl(), ["nfr", "query", "new_badhosts", "--home", result.home, "--html"])
        #expect(String(decoding: html.output, as: UTF8.self).contains("<th>TCP Flags</th>"))
        #expect(FileManager.default.fileExists(atPath: result.home + "/data/id/new_badhosts/1998/0430"))
    }

    @Test func stage7AlertsAtMostOnceEveryFiveSeconds() throws {
        let result = try Self.run(stage: 7, extra: ["--json"])
        defer { result.scratch.remove() }
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let alerts = try lines.filter { $0.hasPrefix("{") }.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(lines.filter { $0.hasPrefix("Here 00: ") }.count == 7)
        // Sample rows at 0, 1, 2, 11, 14, 20, 28 s: windows of 5 s from each alert let out.
        #expect(alerts.compactMap { $0["time"] as? Int } == [893_954_759, 893_954_770, 893_954_779, 893_954_787])
        #expect(alerts.allSatisfy { $0["alert"] as? String == "NEW_BAD_HOST" })
        #expect(alerts.allSatisfy { $0["source"] as? String == "NEW_BAD_HOST_BACKEND" })
        #expect(alerts.first?["message"] as? String == "208.239.113.163 attempted to contact 10.0.0.255: ICMP  ")
        #expect(alerts.last?["message"] as? String == "208.239.113.163 attempted to contact 10.0.1.255: TCP  syn ")
        #expect(result.stderr.contains("3 suppressed by alertContext"))
        #expect(result.stderr.filter { $0 == "\n" }.count >= 4)
        let listed = try runProgram(Self.micectl(), ["nfr", "alerts", "--home", result.home, "--rule", "networklist"])
        #expect(String(decoding: listed.output, as: UTF8.self).split(separator: "\n").count == 4)
    }
}
