// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERegex

/// Runs a ``Ruleset`` over log lines.
///
/// Every distinct pattern of the ruleset is in one Hyperscan database (prefilter mode), so one
/// pass over a line tells which patterns may match; PCRE2 (JIT) then confirms those and takes
/// the captures. Rules are evaluated the way prelude-lml evaluates them (top-level rules in
/// order; children from goto/optgoto/include; silent, chained, last; contexts), which also
/// covers the original first-match-wins order and the M-ICE format. Not thread-safe: use one
/// engine per thread.
public final class AnalysisEngine {
    /// Pattern statistics.
    public struct Statistics: Sendable, Hashable {
        /// Distinct patterns.
        public var patterns: Int
        /// Patterns in the Hyperscan database.
        public var hyperscanPatterns: Int
        /// Patterns Hyperscan refused: PCRE2 tries them on every line where their rule is reached.
        public var fallbackPatterns: Int
        /// Patterns the PCRE2 JIT compiled.
        public var jitPatterns: Int
    }

    public let ruleset: Ruleset
    private let clock: any AnalysisClock
    private let regexes: [PCRERegex]
    private let patternIndexes: [[Int]]
    private let prefilter: HyperscanPrefilter?
    private let alwaysCandidate: [Bool]
    private let words: Int
    private let bits: UnsafeMutablePointer<UInt64>
    private var thresholds = ThresholdTracker()
    private var contexts: [String: (fields: [String: String], expires: Double)] = [:]
    /// Events (alerts and threshold events) per rule index.
    public private(set) var hits: [Int]
    /// Lines analysed so far.
    public private(set) var lines = 0
    /// Alerts emitted so far.
    public private(set) var alerts = 0
    public let statistics: Statistics
    /// Why Hyperscan refused each fallback pattern.
    public let fallbackReasons: [String: String]

    /// Builds the matcher for `ruleset`.
    /// - Parameters:
    ///   - clock: time source for thresholds and contexts when a line brings no time of its own.
    ///   - useHyperscan: false runs PCRE2 alone (for comparison).
    public init(ruleset: Ruleset, clock: any AnalysisClock = SystemAnalysisClock(), useHyperscan: Bool = true)
        throws(AnalysisError)
    {
        self.ruleset = ruleset
        self.clock = clock
        var unique: [AnalysisRule.Pattern: Int] = [:]
        var patterns: [AnalysisRule.Pattern] = []
        var indexes: [[Int]] = []
        for rule in ruleset.rules {
            indexes.append(
                rule.patterns.map { pattern in
                    if let known = unique[pattern] { return known }
                    unique[pattern] = patterns.count
                    patterns.append(pattern)
                    return patterns.count - 1
                })
        }
        var compiled: [PCRERegex] = []
        for (index, pattern) in patterns.enumerated() {
            do {
                compiled.append(try PatternCompiler.compile(pattern))
            } catch {
                let rule = ruleset.rules[indexes.firstIndex { $0.contains(index) } ?? 0]
                throw AnalysisError(
                    .invalidPattern, file: rule.location.file, line: rule.location.line, error.description)
            }
        }
        regexes = compiled
        patternIndexes = indexes
        let built = useHyperscan ? try HyperscanPrefilter(patterns: patterns) : nil
        prefilter = built
        alwaysCandidate = patterns.indices.map { !(built?.isSupported[$0] ?? false) }
        words = max(1, (patterns.count + 63) / 64)
        bits = .allocate(capacity: words)
        bits.initialize(repeating: 0, count: words)
        hits = Array(repeating: 0, count: ruleset.rules.count)
        let fallback = alwaysCandidate.filter { $0 }.count
        statistics = Statistics(
            patterns: patterns.count, hyperscanPatterns: patterns.count - fallback, fallbackPatterns: fallback,
            jitPatterns: compiled.filter(\.isJITCompiled).count)
        var reasons: [String: String] = [:]
        for (index, reason) in built?.refusals ?? [:] { reasons[patterns[index].regex] = reason }
        fallbackReasons = reasons
    }

    deinit { bits.deallocate() }

    /// Analyses one line (without its line feed).
    /// - Parameters:
    ///   - time: when the line was logged; nil uses the clock.
    public func analyze(_ line: [UInt8], file: String? = nil, lineNumber: Int = 0, time: Double? = nil)
        -> [AnalysisEvent]
    {
        line.withUnsafeBytes { analyze($0, file: file, lineNumber: lineNumber, time: time) }
    }

    /// Analyses one line (without its line feed).
    public func analyze(_ line: UnsafeRawBufferPointer, file: String? = nil, lineNumber: Int = 0, time: Double? = nil)
        -> [AnalysisEvent]
    {
        lines += 1
        for word in 0..<words { bits[word] = 0 }
        prefilter?.scan(line, into: bits)
        var pass = Pass(line: line, file: file, lineNumber: lineNumber, time: time ?? clock.now())
        if !contexts.isEmpty { expireContexts(at: pass.time) }
        var matchedAny = false
        for index in ruleset.topLevel {
            var flags = Flags()
            var state = State()
            let matched = evaluate(index, &state, &flags, &pass)
            matchedAny = matchedAny || matched
            if matched && (ruleset.rules[index].isLast || flags.last) { break }
        }
        if !matchedAny, let sendTo = ruleset.defaultSendTo, sendTo == .management || sendTo == .both {
            pass.events.append(
                AnalysisEvent(
                    kind: .alert, ruleID: "0x0000", fields: ["classification.text": "0x0000"], file: file,
                    lineNumber: lineNumber, line: Array(line), time: pass.time, sendTo: sendTo))
            alerts += 1
        }
        return pass.events
    }

    private struct Flags {
        var last = false
        var alert = false
    }

    private struct State {
        var fields: [String: String] = [:]
        var hasIDMEF = false
    }

    private struct Pass {
        let line: UnsafeRawBufferPointer
        let file: String?
        let lineNumber: Int
        let time: Double
        var events: [AnalysisEvent] = []
    }

    @inline(__always)
    private func mayMatch(_ pattern: Int) -> Bool {
        alwaysCandidate[pattern] || bits[pattern >> 6] & (1 << UInt64(pattern & 63)) != 0
    }

    private func evaluate(_ index: Int, _ state: inout State, _ flags: inout Flags, _ pass: inout Pass) -> Bool {
        let rule = ruleset.rules[index]
        let indexes = patternIndexes[index]
        guard !indexes.isEmpty else { return false }
        for (position, pattern) in indexes.enumerated() where !rule.patterns[position].isOptional {
            if !mayMatch(pattern) { return false }
        }
        var captures = RuleCaptures(line: pass.line)
        var optionalMatches = 0
        for (position, pattern) in indexes.enumerated() {
            let regex = regexes[pattern]
            let match = mayMatch(pattern) ? regex.firstMatch(in: pass.line) : nil
            if match == nil && !rule.patterns[position].isOptional { return false }
            if match != nil && rule.patterns[position].isOptional { optionalMatches += 1 }
            let base = captures.groups.count
            if regex.captureCount > 0 {
                for group in 1...regex.captureCount {
                    captures.groups.append(match.flatMap { group < $0.ranges.count ? $0.ranges[group] : nil })
                }
                if let match {
                    for (number, name) in match.groupNames where number < match.ranges.count {
                        if let range = match.ranges[number] { captures.names[name] = range }
                    }
                }
            }
            _ = base
        }
        if rule.minimumOptionalRegexMatches > 0 && optionalMatches < rule.minimumOptionalRegexMatches { return false }
        for operation in rule.contexts {
            switch operation.kind {
            case .not:
                if let name = operation.name.resolve(captures), contexts[name] != nil { return false }
            case .require:
                guard let name = operation.name.resolve(captures), let context = contexts[name] else { return false }
                state.fields.merge(context.fields) { _, new in new }
                state.hasIDMEF = state.hasIDMEF || !context.fields.isEmpty
            case .optional:
                if let name = operation.name.resolve(captures), let context = contexts[name] {
                    state.fields.merge(context.fields) { _, new in new }
                    state.hasIDMEF = state.hasIDMEF || !context.fields.isEmpty
                }
            default: break
            }
        }
        if !rule.assignments.isEmpty {
            state.hasIDMEF = true
            for assignment in rule.assignments {
                if let value = assignment.value.resolve(captures) { state.fields[assignment.path] = value }
            }
            if state.fields["rule.id"] == nil {
                state.fields["rule.id"] = rule.id
                if let revision = rule.revision { state.fields["rule.revision"] = String(revision) }
            }
        }
        var childFlags = Flags()
        var optionalChildren = 0
        for child in rule.children {
            let matched = evaluate(child.rule, &state, &childFlags, &pass)
            if !matched && !child.isOptional {
                state = State()
                return false
            }
            if matched && child.isOptional { optionalChildren += 1 }
            flags.alert = flags.alert || childFlags.alert
            flags.last = flags.last || childFlags.last
            if childFlags.last { break }
        }
        if optionalChildren < rule.minimumOptionalGotoMatches {
            state = State()
            return false
        }
        for operation in rule.contexts where operation.kind == .new || operation.kind == .set || operation.kind == .add
        {
            guard let name = operation.name.resolve(captures) else { continue }
            if operation.kind == .new && contexts[name] != nil { continue }
            contexts[name] = (state.fields, operation.expire > 0 ? pass.time + operation.expire : .infinity)
        }
        if !rule.isSilent && state.hasIDMEF {
            emit(index, state, captures, &pass)
            state = State()
            flags.alert = true
        }
        if rule.isLast { flags.last = true }
        for operation in rule.contexts where operation.kind == .destroy {
            if let name = operation.name.resolve(captures) { contexts[name] = nil }
        }
        return true
    }

    private func emit(_ index: Int, _ state: State, _ captures: RuleCaptures, _ pass: inout Pass) {
        let rule = ruleset.rules[index]
        var fields = state.fields
        let ruleID = fields.removeValue(forKey: "rule.id") ?? rule.id
        let revision = fields.removeValue(forKey: "rule.revision").flatMap { Int($0) } ?? rule.revision
        hits[index] += 1
        var event = AnalysisEvent(
            kind: .alert, ruleID: ruleID, ruleRevision: revision, fields: fields, file: pass.file,
            lineNumber: pass.lineNumber, line: Array(pass.line), time: pass.time, sendTo: rule.sendTo)
        if let threshold = rule.threshold {
            let key = threshold.key.resolve(captures) ?? ""
            if let count = thresholds.record(rule: rule.id, key: key, time: pass.time, threshold: threshold) {
                pass.events.append(
                    AnalysisEvent(
                        kind: .event, ruleID: ruleID, ruleRevision: revision, fields: fields, file: pass.file,
                        lineNumber: pass.lineNumber, line: event.line, time: pass.time, sendTo: rule.sendTo))
                for assignment in threshold.assignments {
                    if let value = assignment.value.resolve(captures) { event.fields[assignment.path] = value }
                }
                event.count = count
            } else {
                event.kind = .event
            }
        }
        if event.kind == .alert { alerts += 1 }
        pass.events.append(event)
    }

    private func expireContexts(at time: Double) {
        contexts = contexts.filter { $0.value.expires > time }
    }
}
