// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETestSupport
import Testing

/// `micectl plugins run`, `micectl records` and `micectl bench protocol` on the shipped plugins,
/// through the built binaries, as an operator would use them.
@Suite("micectl plugins run, records, bench", .serialized, .timeLimit(.minutes(2)))
struct RunAndBenchCommandTests {
    static var repository: String { TestPaths.repositoryRoot }

    private func scratchFile(_ name: String, _ contents: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("micectl-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func formatThenFilterThenDecodeRecords() async throws {
        let runner = PluginsCommandTests()
        let lines = try scratchFile(
            "lines.txt",
            "sshd[1]: Failed password for root from 192.0.2.9\nsu: session opened for user root\nIPUP: ppp0 up\n"
        )
        let records = lines + ".bin"
        let format = try await runner.micectl(
            [
                "plugins", "run", "mice-fmt-simple", "--config", #"{"domain": "example.org", "ip": "192.0.2.1"}"#,
                "--input", lines, "--output", records,
            ],
            directory: Self.repository
        )
        #expect(format.status == 0, "\(format.stderr)")
        #expect(format.stdout.contains("3 calls; return 0: 3; 0 errors"))
        let size = try FileManager.default.attributesOfItem(atPath: records)[.size] as? Int
        #expect(size == 3 * 1688)

        let filter = try await runner.micectl(
            [
                "plugins", "run", "mice-flt-regex", "--config", #"{"rules": ["^IPUP:", "Failed password"]}"#,
                "--input", records,
            ],
            directory: Self.repository
        )
        #expect(filter.status == 0, "\(filter.stderr)")
        let verdicts = filter.stdout.split(separator: "\n").map { line in
            line.contains(#""verdict":"drop""#) ? "drop" : line.contains(#""verdict":"keep""#) ? "keep" : "?"
        }
        #expect(verdicts == ["drop", "keep", "drop"])

        let decoded = try await runner.micectl(
            ["records", "decode", "--type", "logformat", records], directory: Self.repository)
        #expect(decoded.status == 0, "\(decoded.stderr)")
        let first = try #require(decoded.stdout.split(separator: "\n").first)
        #expect(first.contains(#""cLogLine":"sshd[1]: Failed password for root from 192.0.2.9""#))
        #expect(first.contains(#""cDomain":"example.org""#))
        #expect(first.contains(#""cIP":"192.0.2.1""#))
        #expect(first.contains(#""checksumValid":true"#))
    }

    @Test func reactionModuleLogsAndRunsNothing() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("mice-rct-\(UUID().uuidString)")
        let arguments = try scratchFile("args.txt", "touch \(marker.path)\n")
        let run = try await PluginsCommandTests().micectl(
            ["plugins", "run", "mice-rct-log", "--config", #"{"syslog": false}"#, "--input", arguments],
            directory: Self.repository
        )
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains(#"{"call":1,"returnValue":0}"#))
        #expect(run.stderr.contains("countermeasure requested (logged only, not executed): touch"))
        #expect(!FileManager.default.fileExists(atPath: marker.path), "the argument must never be executed")
    }

    @Test func unknownPluginIsAnError() async throws {
        let run = try await PluginsCommandTests().micectl(
            ["plugins", "run", "no-such-plugin", "--input", "/dev/null"], directory: Self.repository)
        #expect(run.status == 1)
        #expect(run.stderr.contains("no valid plugin named \"no-such-plugin\""))
    }

    @Test func benchProtocolPrintsOneJSONObjectWithEveryFigure() async throws {
        let run = try await PluginsCommandTests().micectl(
            ["bench", "protocol", "--json", "--seconds", "0.2", "--batch", "256"],
            directory: Self.repository,
            timeout: .seconds(90)
        )
        #expect(run.status == 0, "\(run.stderr)")
        let line = try #require(run.stdout.split(separator: "\n").last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        for key in [
            "swift_small_calls_per_s", "swift_logformat_calls_per_s", "python_small_calls_per_s", "mb_per_s",
            "host_rss_mb", "swift_flt_regex_calls_per_s",
        ] {
            let value = try #require(object[key] as? Double, "missing \(key) in \(line)")
            #expect(value > 0, "\(key)")
        }
    }
}
