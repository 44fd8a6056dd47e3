// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICEAnalysis
import MICEIDMEF

/// `micectl analyze FILE...`: replays log files offline through a ruleset (like fail2ban-regex
/// and `prelude-lml --batch-mode`).
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Replay log files through the analysis rules and report hits, alerts and speed.",
        discussion: """
            Rules: the shipped etc/rules (M-ICE format) unless --rules names a file or directory in \
            any supported format: M-ICE rules, the original mice_mod_pop_aa_regex.conf, or a \
            prelude-lml ruleset (pcre.rules or its directory). Syslog timestamps give the event \
            times (thresholds) in --year; lines without one use the current time.
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json, idmef
    }

    @Argument(help: "Log files to replay (- for standard input).")
    var files: [String]

    @Option(name: .long, help: "Ruleset file or directory (default: the shipped etc/rules).")
    var rules: String?

    @Flag(name: .long, help: "Print one JSON object per event or alert (same as --format json).")
    var json = false

    @Option(name: .long, help: "Output: text (summary), json (one object per line), idmef (IDMEF XML).")
    var format: OutputFormat = .text

    @Flag(name: .long, help: "Also print threshold events that did not give an alert (json).")
    var events = false

    @Option(name: .long, help: "Year of syslog timestamps (they carry none).")
    var year: Int?

    mutating func run() throws {
        let path = try rules ?? Self.defaultRules()
        let ruleset: Ruleset
        let engine: AnalysisEngine
        do {
            ruleset = try RulesetLoader.load(path: path)
            engine = try AnalysisEngine(ruleset: ruleset)
        } catch {
            throw ValidationError("\(error)")
        }
        let output = json ? OutputFormat.json : format
        let terminal = isatty(2) == 1
        let replayYear = Int64(year ?? Calendar(identifier: .gregorian).component(.year, from: Date()))
        let zone = Int32(TimeZone.current.secondsFromGMT())
        let analyzer = IDMEFAnalyzer(
            analyzerID: "mice-analysis-" + ProcessInfo.processInfo.hostName, name: "micectl analyze",
            manufacturer: "M-ICE", model: "M-ICE analysis engine", version: "1.0", analyzerClass: "HIDS",
            osType: "Linux", node: IDMEFNode(name: ProcessInfo.processInfo.hostName))
        let out = BufferedOutput()
        if output == .idmef {
            out.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            out.write("<IDMEF-Message version=\"1.0\" xmlns=\"\(IDMEFXMLWriter.namespace)\">\n")
        }
        let start = Date()
        var alertNumber = 0
        for file in files {
            guard
                let data = file == "-"
                    ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file)
            else { throw ValidationError("cannot read \(file)") }
            let name = file == "-" ? "stdin" : file
            data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                var lineStart = 0
                var lineNumber = 0
                while lineStart < bytes.count {
                    var lineEnd = lineStart
                    while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
                    lineNumber += 1
                    var contentEnd = lineEnd
                    if contentEnd > lineStart && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                    let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<contentEnd])
                    let time = LogTimestamp.syslogTime(line, year: replayYear)
                    for event in engine.analyze(line, file: name, lineNumber: lineNumber, time: time) {
                        switch output {
                        case .json where event.kind == .alert || events: out.write(event.jsonLine + "\n")
                        case .idmef where event.kind == .alert:
                            alertNumber += 1
                            let alert = event.idmefAlert(
                                analyzer: analyzer, messageID: String(alertNumber),
                                createTime: IDMEFTime(unixTime: Date().timeIntervalSince1970, utcOffset: zone),
                                utcOffset: zone)
                            out.write(IDMEFXMLWriter.alertElement(alert))
                        default: break
                        }
                    }
                    if terminal && engine.lines % 100_000 == 0 {
                        FileHandle.standardError.write(Data("\r\(name): \(engine.lines) lines…".utf8))
                    }
                    lineStart = lineEnd + 1
                }
            }
        }
        let seconds = Date().timeIntervalSince(start)
        if terminal && engine.lines >= 100_000 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if output == .idmef { out.write("</IDMEF-Message>\n") }
        let summary = Self.summary(engine: engine, ruleset: ruleset, path: path, seconds: seconds)
        if output == .text {
            out.write(summary)
        } else {
            out.flush()
            FileHandle.standardError.write(Data(summary.utf8))
        }
        out.flush()
    }

    static func summary(engine: AnalysisEngine, ruleset: Ruleset, path: String, seconds: Double) -> String {
        var text = "Ruleset: \(path) (\(ruleset.format.rawValue), \(ruleset.rules.count) rules"
        text += ", \(engine.statistics.hyperscanPatterns) patterns in Hyperscan"
        text += ", \(engine.statistics.fallbackPatterns) PCRE2 only)\n"
        if !ruleset.warnings.isEmpty { text += "Warnings: \(ruleset.warnings.count) rules dropped\n" }
        var counts: [String: Int] = [:]
        for (index, hits) in engine.hits.enumerated() where hits > 0 {
            counts[ruleset.rules[index].id + " " + (ruleset.rules[index].location.description), default: 0] += hits
        }
        text += "Hits per rule:\n"
        for (rule, hits) in counts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            text += "  \(String(hits).leftPadded(8))  \(rule)\n"
        }
        let rate = seconds > 0 ? Double(engine.lines) / seconds : 0
        text += "Lines: \(engine.lines), alerts: \(engine.alerts), seconds: \(String(format: "%.3f", seconds))"
        text += ", lines/s: \(Int(rate))\n"
        return text
    }

    /// The shipped rules: $MICE_RULES, ./etc/rules, next to the build directory, /etc/M-ICE/rules.
    static func defaultRules() throws -> String {
        var candidates: [String] = []
        if let environment = ProcessInfo.processInfo.environment["MICE_RULES"] { candidates.append(environment) }
        candidates.append(FileManager.default.currentDirectoryPath + "/etc/rules")
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.path + "/etc/rules")
            directory = directory.deletingLastPathComponent()
        }
        candidates.append("/etc/M-ICE/rules")
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
        throw ValidationError("no shipped rules found (tried \(candidates.joined(separator: ", "))); use --rules")
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
