// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETestSupport
import Testing

@testable import MICEAnalysis

/// The literals read from patterns, and the engine's shortcuts (literal prefilter, compact
/// fields) checked against the plain way on real rules and lines: the same events, line by line.
@Suite struct PrefilterTests {
    /// Every clause of `pattern` (short literals too), as strings; nil when it has none.
    private static func clauses(_ pattern: String) -> [[String]]? {
        RequiredLiterals.of(pattern, minimumLength: 1, maximumClauses: 99)?.clauses.map { clause in
            clause.map { String(decoding: $0, as: UTF8.self) }
        }
    }

    @Test(
        "required literals: sequences, groups, alternations, quantifiers, classes, lookarounds",
        arguments: [
            (#"Failed (\S+) for (\S+) from"#, [["Failed "], [" for "], [" from"]]),
            (#"(kernel|grsec): x"#, [["kernel", "grsec"], [": x"]]),
            ("for root from|user root", [["for root from", "user root"]]),
            ("abc?def", [["def"], ["ab"]]),
            ("abc+def", [["abc"], ["def"]]),
            ("(foo)?barbaz", [["barbaz"]]),
            ("(abc|)defg", [["defg"]]),
            ("a{2,}bcd", [["bcd"], ["a"]]),
            ("x{abc}yz", [["x{abc}yz"]]),
            (#"[abc]def[]x]yzw[^[]+uvw"#, [["def"], ["yzw"], ["uvw"]]),
            ("[[:print:]]+ tail", [[" tail"]]),
            ("foo(?=barbar)bazqux", [["bazqux"], ["foo"]]),
            (#"(?P<name>abc)def(?<other>ghi)+(?:jkl)*"#, [["abc"], ["def"], ["ghi"]]),
            (#"abc\.def\tx"#, [["abc.def\tx"]]),
            (#"\d+ port \d+\b"#, [[" port "]]),
            ("(ab(cd|ef)gh)ij", [["gh"], ["ab"], ["cd", "ef"], ["ij"]]),
        ] as [(String, [[String]])])
    func readsLiterals(pattern: String, expected: [[String]]) {
        #expect(Self.clauses(pattern).map { Set($0) } == Set(expected), "\(pattern)")
    }

    @Test(
        "required literals: what it cannot read safely gives none",
        arguments: [
            "(?i)abcdef", #"\Qabcdef\E"#, #"(\w+) \1 abcdef"#, #"abc\x41def"#, "ab{,3}cdef", "ab{ 2 }cdef", "abcdef)",
            "(abcdef", "(?#note)abcdef", "(*UTF)abcdef", "(?(1)abc|def)", #"\p{L}abcdef"#, "[[.a.]]abcdef", ".*",
            #"[\x41]abcdef"#, "abcdef\\",
        ])
    func givesUp(pattern: String) {
        #expect(Self.clauses(pattern) == nil, "\(pattern)")
    }

    @Test("the defaults keep the strongest clause of literals at least 6 bytes long")
    func defaults() {
        let required = RequiredLiterals.of(#"Failed (\S+) for (illegal|invalid) user (\S+) from"#)
        #expect(required?.clauses == [[Array("Failed ".utf8)]])
        #expect(RequiredLiterals.of("sshd") == nil, "too short: prefiltered as a regex")
    }

    /// Lines to compare on: every `#LOG:` sample of prelude-lml's files, a generated syslog
    /// file, and the shared real logs.
    private static func corpus() throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        let directory = PreludeCompatibilityTests.rulesetDirectory
        if let files = try? FileManager.default.contentsOfDirectory(atPath: directory) {
            for name in files where name.hasSuffix(".rules") {
                let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
                for line in text.split(separator: "\n") where line.hasPrefix("#LOG:") {
                    lines.append(Array(line.dropFirst(5).utf8))
                }
            }
        }
        var generator = SyslogGenerator()
        let generated = generator.lines(5_000)
        lines += generated.split(separator: 0x0A).map(Array.init)
        let logs = URL(fileURLWithPath: TestPaths.repositoryRoot).deletingLastPathComponent()
            .appendingPathComponent("shared/data/logs").path
        for name in (try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? [] where name.hasSuffix(".log") {
            let data = try Data(contentsOf: URL(fileURLWithPath: logs + "/" + name))
            lines += data.split(separator: 0x0A).map(Array.init)
        }
        return lines
    }

    /// Runs `lines` through both engines; returns how many events they gave and the first
    /// difference. Yields now and then: a long synchronous loop would hold one of the few
    /// threads that the process tests running beside it need.
    private static func compare(_ lines: [[UInt8]], _ left: AnalysisEngine, _ right: AnalysisEngine) async -> (
        events: Int, difference: String?
    ) {
        var events = 0
        for (number, line) in lines.enumerated() {
            if number % 256 == 0 { await Task.yield() }
            let time = Double(number)
            let expected = right.analyze(line, lineNumber: number + 1, time: time)
            var got: [AnalysisEvent] = []
            line.withUnsafeBytes { bytes in
                left.analyze(bytes, lineNumber: number + 1, time: time) { got.append($0) }
            }
            events += expected.count
            if got != expected {
                return (
                    events,
                    "\(String(decoding: line, as: UTF8.self)): \(got.map(\.jsonLine)) vs \(expected.map(\.jsonLine))"
                )
            }
        }
        return (events, nil)
    }

    @Test("prelude-lml's rules: literal prefilter + compact fields give what PCRE2 alone with dictionaries gives")
    func preludeRulesSameEvents() async throws {
        let path = PreludeCompatibilityTests.rulesetDirectory + "/pcre.rules"
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record("prelude-lml is not installed (scripts/setup.sh)")
            return
        }
        let ruleset = try PreludeRulesetLoader.load(path: path)
        let fast = try AnalysisEngine(ruleset: ruleset, clock: ManualAnalysisClock(0))
        let plain = try AnalysisEngine(ruleset: ruleset, clock: ManualAnalysisClock(0), useHyperscan: false)
        plain.compactFields = false
        #expect(fast.statistics.literalPatterns > 500, "most of prelude-lml's patterns have a literal")
        let lines = try Self.corpus()
        let (events, difference) = await Self.compare(lines, fast, plain)
        #expect(difference == nil)
        #expect(events > 3_000, "the corpus exercises the rules (\(events) events over \(lines.count) lines)")
    }

    @Test("shipped rules: the same events with and without the shortcuts")
    func shippedRulesSameEvents() async throws {
        let ruleset = try RulesetLoader.load(path: TestPaths.repositoryRoot + "/etc/rules")
        let fast = try AnalysisEngine(ruleset: ruleset, clock: ManualAnalysisClock(0))
        let plain = try AnalysisEngine(ruleset: ruleset, clock: ManualAnalysisClock(0), useHyperscan: false)
        plain.compactFields = false
        let (events, difference) = await Self.compare(try Self.corpus(), fast, plain)
        #expect(difference == nil)
        #expect(events > 1_000)
    }
}
