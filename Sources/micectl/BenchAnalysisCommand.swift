// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICEAnalysis
import MICEBench

extension BenchCommand {
    /// `micectl bench analysis`: our engine against `prelude-lml --batch-mode --dry-run` on the
    /// same generated syslog file and the same prelude-lml ruleset.
    struct AnalysisBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "analysis",
            abstract: "Lines/s of the analysis engine and of prelude-lml on a generated syslog file.",
            discussion: """
                Generates a deterministic syslog file (sshd and other traffic), loads prelude-lml's \
                pcre.rules, replays the file through the engine (Hyperscan + PCRE2, every event built: \
                lines_per_s; alerts only counted: count_lines_per_s) and through \
                `prelude-lml --batch-mode --dry-run --metadata=head,nowrite --no-resolve`, and prints \
                both rates and alert counts. Build with `swift build -c release`.
                """
        )

        @Flag(name: .long, help: "Print one JSON object.")
        var json = false

        @Option(name: .long, help: "Lines to generate.")
        var lines = 200_000

        @Option(
            name: .customLong("repeat"),
            help: "Replays through our engine per path (a fresh engine each); the median is printed.")
        var runs = 3

        @Option(name: .long, help: "The prelude-lml ruleset.")
        var ruleset = "/etc/prelude-lml/ruleset/pcre.rules"

        @Option(name: .long, help: "The prelude-lml program.")
        var preludeLml = PreludeLMLBatch.defaultProgram

        mutating func run() throws {
            var generator = SyslogGenerator()
            let content = generator.lines(lines)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "mice-bench-analysis-\(getpid())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let logPath = directory.appendingPathComponent("bench.log").path
            _ = FileManager.default.createFile(atPath: logPath, contents: Data(content))

            let loaded: Ruleset
            do { loaded = try PreludeRulesetLoader.load(path: ruleset) } catch { throw ValidationError("\(error)") }
            var statistics: AnalysisEngine.Statistics?
            // Like prelude-lml's figure: read the file, split lines, parse each syslog time,
            // analyse and build every event (prelude-lml builds an IDMEF message per alert);
            // ruleset loading and compiling are left out on both sides.
            let (seconds, alerts) = try Self.median(runs) {
                let engine = try AnalysisEngine(ruleset: loaded)
                statistics = engine.statistics
                return try Self.replay(logPath) { line, time in
                    var alerts = 0
                    engine.analyze(line, file: logPath, lineNumber: engine.lines + 1, time: time) {
                        if $0.kind == .alert { alerts += 1 }
                    }
                    return alerts
                }
            }
            let rate = Double(lines) / seconds
            // The same rules and state, counting alerts without building events.
            let (countSeconds, countAlerts) = try Self.median(runs) {
                let engine = try AnalysisEngine(ruleset: loaded)
                return try Self.replay(logPath) { line, time in engine.countAlerts(in: line, time: time) }
            }
            let countRate = Double(lines) / countSeconds
            let prelude = try runPrelude(logPath: logPath, directory: directory.path)
            let rss = Self.maxRSSMegabytes()
            guard let statistics else { throw ValidationError("no replay ran") }
            var result: [(String, String)] = [
                ("lines", String(lines)), ("seconds", String(format: "%.3f", seconds)),
                ("lines_per_s", String(Int(rate))), ("alerts", String(alerts)),
                ("count_lines_per_s", String(Int(countRate))), ("count_alerts", String(countAlerts)),
                ("hyperscan_patterns", String(statistics.hyperscanPatterns)),
                ("literal_patterns", String(statistics.literalPatterns)),
                ("literals", String(statistics.literals)),
                ("pcre_fallback_patterns", String(statistics.fallbackPatterns)),
            ]
            if let prelude {
                result += [
                    ("prelude_lines_per_s", String(Int(prelude.rate))), ("prelude_alerts", String(prelude.alerts)),
                    ("prelude_seconds", String(format: "%.3f", prelude.seconds)),
                    ("speedup", String(format: "%.2f", rate / max(prelude.rate, 1))),
                    ("count_speedup", String(format: "%.2f", countRate / max(prelude.rate, 1))),
                ]
            } else {
                result += [
                    ("prelude_lines_per_s", "null"), ("prelude_alerts", "null"), ("speedup", "null"),
                    ("count_speedup", "null"),
                ]
            }
            result.append(("rss_mb", String(format: "%.1f", rss)))
            if json {
                print("{" + result.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
            } else {
                for (key, value) in result {
                    print("\(key.padding(toLength: 24, withPad: " ", startingAt: 0)) \(value)")
                }
            }
        }

        /// Runs prelude-lml in batch mode; nil when it is not installed.
        private func runPrelude(logPath: String, directory: String) throws -> (
            rate: Double, alerts: Int, seconds: Double
        )? {
            guard FileManager.default.isExecutableFile(atPath: preludeLml) else { return nil }
            let config = directory + "/prelude-lml.conf"
            try PreludeLMLBatch.configuration(logPath: logPath, ruleset: ruleset).write(
                toFile: config, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: preludeLml)
            process.arguments = PreludeLMLBatch.arguments(configuration: config)
            let pipe = Pipe()
            process.standardError = pipe
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard let line = output.split(separator: "\n").first(where: { $0.contains("line(s) processed in") })
            else { throw ValidationError("prelude-lml printed no summary:\n\(output)") }
            let words = line.split(separator: " ")
            func number(before word: String) -> Double? {
                guard let index = words.firstIndex(where: { $0.hasPrefix(word) }), index > 0 else { return nil }
                return Double(words[index - 1].trimmingCharacters(in: CharacterSet(charactersIn: "(")))
            }
            guard let processed = number(before: "line(s)"), let seconds = number(before: "second(s)"),
                let alerts = number(before: "alert(s)")
            else { throw ValidationError("cannot read prelude-lml's summary: \(line)") }
            let eps = number(before: "EPS)") ?? processed / max(seconds, 1e-9)
            return (eps, Int(alerts), seconds)
        }

        /// Runs `replay` `count` times (at least once); the run of median time.
        static func median(_ count: Int, _ replay: () throws -> (Double, Int)) throws -> (Double, Int) {
            var runs: [(Double, Int)] = []
            for _ in 0..<max(1, count) {
                do { runs.append(try replay()) } catch let error as AnalysisError { throw ValidationError("\(error)") }
            }
            return runs.sorted { $0.0 < $1.0 }[runs.count / 2]
        }

        /// Reads `path`, splits it into lines, parses each line's syslog time and hands both to
        /// `analyze`; returns the seconds taken and the sum of what `analyze` returned.
        static func replay(_ path: String, _ analyze: (UnsafeRawBufferPointer, Double?) -> Int) throws -> (
            Double, Int
        ) {
            let start = DispatchTime.now().uptimeNanoseconds
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read \(path)")
            }
            var total = 0
            data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                guard let base = bytes.baseAddress else { return }
                var lineStart = 0
                while lineStart < bytes.count {
                    let found = memchr(base + lineStart, 0x0A, bytes.count - lineStart)
                    let lineEnd = found.map { base.distance(to: UnsafeRawPointer($0)) } ?? bytes.count
                    let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd])
                    total += analyze(line, LogTimestamp.syslogTime(line, year: 2024))
                    lineStart = lineEnd + 1
                }
            }
            return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, total)
        }

        static func maxRSSMegabytes() -> Double {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return Double(usage.ru_maxrss) / 1024
        }
    }
}
