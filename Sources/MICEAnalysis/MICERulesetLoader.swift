// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEIDMEF
import MICERegex

/// Loads the M-ICE rule format (etc/rules/*.rules, described in docs/rules.md).
///
/// ```
/// [rule sshd.password-failed]
/// pattern = sshd\[\d+\]: Failed password for (?:invalid user )?(?<user>\S+) from (?<src>\S+) port (?<port>\d+)
/// classification = Remote login failed
/// severity = medium
/// completion = failed
/// source.address = $src
/// threshold = 5 in 60s by $src quiet 600s
/// threshold.classification = SSH password guessing
/// ```
public enum MICERulesetLoader {
    /// Short keys and the IDMEF paths they set.
    public static let shortKeys: [String: String] = [
        "classification": IDMEFPath.classificationText,
        "severity": IDMEFPath.severity,
        "completion": IDMEFPath.completion,
        "impact": IDMEFPath.impactType,
        "description": IDMEFPath.description,
        "source.address": IDMEFPath.sourceAddress,
        "source.port": IDMEFPath.sourcePort,
        "source.user": IDMEFPath.sourceUser,
        "source.process": IDMEFPath.sourceProcess,
        "target.address": IDMEFPath.targetAddress,
        "target.host": IDMEFPath.targetHost,
        "target.port": IDMEFPath.targetPort,
        "target.service": IDMEFPath.targetService,
        "target.user": IDMEFPath.targetUser,
        "target.process": IDMEFPath.targetProcess,
        "reference.origin": "classification.reference(0).origin",
        "reference.name": "classification.reference(0).name",
        "reference.url": "classification.reference(0).url",
    ]

    /// Loads one file, or every `*.rules` file of a directory in name order.
    public static func load(path: String) throws(AnalysisError) -> Ruleset {
        var rules: [AnalysisRule] = []
        let files =
            RuleFiles.isDirectory(path) ? RuleFiles.list(path, suffix: ".rules").map { path + "/" + $0 } : [path]
        for file in files {
            rules += try parse(try RuleFiles.read(file), file: file)
        }
        var seen: [String: AnalysisRule.Location] = [:]
        for rule in rules {
            if let first = seen[rule.id] {
                throw AnalysisError(
                    .invalidValue, file: rule.location.file, line: rule.location.line,
                    "rule \(rule.id) already defined at \(first)")
            }
            seen[rule.id] = rule.location
        }
        return Ruleset(format: .mice, rules: rules, topLevel: Array(rules.indices))
    }

    /// Parses the rules of one file.
    public static func parse(_ text: String, file: String) throws(AnalysisError) -> [AnalysisRule] {
        var rules: [AnalysisRule] = []
        var current: AnalysisRule?
        var thresholdAssignments: [AnalysisRule.Assignment] = []
        var lineNumber = 0
        func finish() throws(AnalysisError) {
            guard var rule = current else { return }
            guard !rule.patterns.isEmpty else {
                throw AnalysisError(.missingKey, file: file, line: rule.location.line, "rule \(rule.id) has no pattern")
            }
            if rule.threshold != nil {
                rule.threshold?.assignments = thresholdAssignments
            } else if !thresholdAssignments.isEmpty {
                throw AnalysisError(
                    .missingKey, file: file, line: rule.location.line,
                    "rule \(rule.id) sets threshold.* without threshold")
            }
            if !rule.assignments.contains(where: { $0.path == IDMEFPath.classificationText }) {
                throw AnalysisError(
                    .missingKey, file: file, line: rule.location.line, "rule \(rule.id) has no classification")
            }
            rules.append(rule)
            current = nil
            thresholdAssignments = []
        }
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingSpacesSubstring()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.hasPrefix("[rule ") else {
                    throw AnalysisError(.syntax, file: file, line: lineNumber, "expected [rule NAME]")
                }
                try finish()
                let id = line.dropFirst(6).dropLast().trimmingSpaces()
                guard !id.isEmpty, !id.contains(where: { $0.isWhitespace }) else {
                    throw AnalysisError(.syntax, file: file, line: lineNumber, "a rule name has no blanks")
                }
                current = AnalysisRule(
                    id: id, location: AnalysisRule.Location(file: file, line: lineNumber), patterns: [])
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw AnalysisError(.syntax, file: file, line: lineNumber, "expected KEY = VALUE")
            }
            guard current != nil else {
                throw AnalysisError(.syntax, file: file, line: lineNumber, "KEY = VALUE before the first [rule NAME]")
            }
            let key = line[..<equals].trimmingSpaces().lowercased()
            let value = line[line.index(after: equals)...].trimmingSpaces()
            try apply(
                key: key, value: value, to: &current!, thresholds: &thresholdAssignments, file: file, line: lineNumber)
        }
        try finish()
        return rules
    }

    private static func apply(
        key: String, value: String, to rule: inout AnalysisRule, thresholds: inout [AnalysisRule.Assignment],
        file: String, line: Int
    ) throws(AnalysisError) {
        func fail(_ code: AnalysisError.Code, _ message: String) -> AnalysisError {
            AnalysisError(code, file: file, line: line, message)
        }
        func template(_ text: String) -> RuleTemplate { RuleTemplate(parsing: text, namedReferences: true) }
        func checked(path: String, _ text: String) throws(AnalysisError) -> AnalysisRule.Assignment {
            let value = template(text)
            if value.isConstant {
                let allowed: [String]? =
                    switch path {
                    case IDMEFPath.severity: IDMEFImpact.Severity.allCases.map(\.rawValue)
                    case IDMEFPath.completion: IDMEFImpact.Completion.allCases.map(\.rawValue)
                    case IDMEFPath.impactType: IDMEFImpact.ImpactType.allCases.map(\.rawValue)
                    default: nil
                    }
                if let allowed, !allowed.contains(text) {
                    throw fail(.invalidValue, "\(key) must be one of \(allowed.joined(separator: ", ")), not \(text)")
                }
            }
            return AnalysisRule.Assignment(path: path, value: value)
        }
        switch key {
        case "pattern", "optional-pattern":
            let pattern = AnalysisRule.Pattern(regex: value, isOptional: key == "optional-pattern")
            do {
                _ = try PatternCompiler.compile(pattern)
            } catch {
                throw fail(.invalidPattern, error.description)
            }
            rule.patterns.append(pattern)
        case "caseless":
            let flag = try bool(value, fail: fail)
            for index in rule.patterns.indices { rule.patterns[index].isCaseless = flag }
        case "last": rule.isLast = try bool(value, fail: fail)
        case "silent": rule.isSilent = try bool(value, fail: fail)
        case "threshold":
            rule.threshold = try threshold(value, fail: fail)
        default:
            if key.hasPrefix("threshold.") {
                let rest = String(key.dropFirst(10))
                guard
                    let path = shortKeys[rest]
                        ?? (rest.hasPrefix("idmef.") ? IDMEFPath.normalized(String(rest.dropFirst(6))) : nil)
                else { throw fail(.unknownKey, "unknown key \(key)") }
                thresholds.append(try checked(path: path, value))
            } else if let path = shortKeys[key] {
                rule.assignments.append(try checked(path: path, value))
            } else if key.hasPrefix("idmef.") {
                rule.assignments.append(try checked(path: IDMEFPath.normalized(String(key.dropFirst(6))), value))
            } else {
                throw fail(.unknownKey, "unknown key \(key)")
            }
        }
    }

    private static func bool(_ text: String, fail: (AnalysisError.Code, String) -> AnalysisError) throws(AnalysisError)
        -> Bool
    {
        switch text.lowercased() {
        case "yes", "true", "1", "on": return true
        case "no", "false", "0", "off": return false
        default: throw fail(.invalidValue, "expected yes or no, not \(text)")
        }
    }

    /// `N in DURATION [by KEY] [quiet DURATION]`.
    static func threshold(_ text: String, fail: (AnalysisError.Code, String) -> AnalysisError) throws(AnalysisError)
        -> AnalysisRule.Threshold
    {
        let words = text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard words.count >= 3, let count = Int(words[0]), count >= 1, words[1] == "in",
            let window = duration(words[2]), window > 0
        else { throw fail(.invalidValue, "threshold must read N in DURATION [by KEY] [quiet DURATION]: \(text)") }
        var key = RuleTemplate(parts: [])
        var quiet = window
        var index = 3
        while index < words.count {
            guard index + 1 < words.count else { throw fail(.invalidValue, "threshold: \(words[index]) needs a value") }
            switch words[index] {
            case "by": key = RuleTemplate(parsing: words[index + 1], namedReferences: true)
            case "quiet":
                guard let value = duration(words[index + 1]), value >= 0 else {
                    throw fail(.invalidValue, "threshold: bad duration \(words[index + 1])")
                }
                quiet = value
            default: throw fail(.invalidValue, "threshold: unknown word \(words[index])")
            }
            index += 2
        }
        return AnalysisRule.Threshold(count: count, window: window, quiet: quiet, key: key)
    }

    /// `30`, `30s`, `5m`, `2h`, `1d` in seconds.
    static func duration(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let unit = text.last, let factor = units[unit] {
            return Double(text.dropLast()).map { $0 * factor }
        }
        return Double(text)
    }
}
