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
        /// Patterns Hyperscan prefilters by their required literals (the others in it as regexes).
        public var literalPatterns: Int
        /// Distinct literals in the Hyperscan database.
        public var literals: Int
    }

    public let ruleset: Ruleset
    private let clock: any AnalysisClock
    private let regexes: [PCRERegex]
    private let rules: [EngineRule]
    private let prefilter: HyperscanPrefilter?
    /// The prefilter's table (its storage lives as long as the prefilter).
    private let prefilterTable: HyperscanPrefilter.Table?
    private let alwaysCandidate: UnsafeMutablePointer<Bool>
    /// Per rule: its non-optional pattern ids at `required[requiredStart[r]..<requiredStart[r + 1]]`.
    private let requiredStart: UnsafeMutablePointer<Int32>
    private let required: UnsafeMutablePointer<Int32>
    /// Per rule: whether it has any pattern at all.
    private let hasPatterns: UnsafeMutablePointer<Bool>
    private let words: Int
    private let bits: UnsafeMutablePointer<UInt64>
    /// Group offsets of the rules evaluated on the current line (pairs; -1: unset).
    private var spans: UnsafeMutablePointer<Int>
    private var spanCapacity = 256
    private var spanCount = 0
    /// The field contributions of the current chain, applied in order when fields are needed.
    private var pending: [Pending] = []
    private var thresholds = ThresholdTracker()
    /// Whether events of chains with ``ChainFields`` get compact fields (false: always a
    /// dictionary; the same events, for tests that compare both).
    var compactFields = true
    /// ``ChainFields`` of the pairs of rules seen so far (nil: a pair without).
    private var pairFields: [RulePair: ChainFields?] = [:]
    private var contexts: [String: (fields: [String: String], expires: Double)] = [:]
    private var nextContextExpiry = Double.infinity
    /// Events (alerts and threshold events) per rule index.
    public private(set) var hits: [Int]
    /// Lines analysed so far.
    public private(set) var lines = 0
    /// Alerts emitted so far.
    public private(set) var alerts = 0
    public let statistics: Statistics
    /// Why Hyperscan refused each fallback pattern.
    public let fallbackReasons: [String: String]

    /// A field contribution: a rule's assignments (resolved from its groups at `spanBase`) or
    /// the fields of a context.
    private enum Pending {
        case assign(rule: Int, spanBase: Int)
        case merge([String: String])
    }

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
        var slots: [String: Int] = [:]
        var engineRules: [EngineRule] = []
        for (index, rule) in ruleset.rules.enumerated() {
            let slot = slots[rule.id] ?? index
            if slots[rule.id] == nil { slots[rule.id] = index }
            engineRules.append(
                EngineRule(
                    rule, patterns: indexes[index], regexes: compiled, thresholdSlot: slot,
                    absentGroupIsEmpty: ruleset.format == .preludeLML))
        }
        rules = engineRules
        let built = useHyperscan ? try HyperscanPrefilter(patterns: patterns) : nil
        prefilter = built
        prefilterTable = built?.table
        alwaysCandidate = .allocate(capacity: max(1, patterns.count))
        for index in patterns.indices { alwaysCandidate[index] = !(built?.isSupported[index] ?? false) }
        requiredStart = .allocate(capacity: ruleset.rules.count + 1)
        hasPatterns = .allocate(capacity: max(1, ruleset.rules.count))
        var flat: [Int32] = []
        for (index, rule) in ruleset.rules.enumerated() {
            requiredStart[index] = Int32(flat.count)
            hasPatterns[index] = !indexes[index].isEmpty
            for (position, pattern) in indexes[index].enumerated() where !rule.patterns[position].isOptional {
                flat.append(Int32(pattern))
            }
        }
        requiredStart[ruleset.rules.count] = Int32(flat.count)
        required = .allocate(capacity: max(1, flat.count))
        for (index, pattern) in flat.enumerated() { required[index] = pattern }
        words = max(1, ((built?.bitCount ?? 0) + 63) / 64)
        bits = .allocate(capacity: words)
        bits.initialize(repeating: 0, count: words)
        spans = .allocate(capacity: 256)
        hits = Array(repeating: 0, count: ruleset.rules.count)
        let fallback = patterns.indices.filter { !(built?.isSupported[$0] ?? false) }.count
        statistics = Statistics(
            patterns: patterns.count, hyperscanPatterns: patterns.count - fallback, fallbackPatterns: fallback,
            jitPatterns: compiled.filter(\.isJITCompiled).count, literalPatterns: built?.literalPatterns ?? 0,
            literals: built?.literalCount ?? 0)
        var reasons: [String: String] = [:]
        for (index, reason) in built?.refusals ?? [:] { reasons[patterns[index].regex] = reason }
        fallbackReasons = reasons
    }

    deinit {
        bits.deallocate()
        spans.deallocate()
        alwaysCandidate.deallocate()
        requiredStart.deallocate()
        required.deallocate()
        hasPatterns.deallocate()
    }

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
        var pass = Pass(line: line, file: file, lineNumber: lineNumber, time: time ?? clock.now(), collects: true)
        run(&pass)
        return pass.events
    }

    /// Analyses one line like ``analyze(_:file:lineNumber:time:)-5ixps`` and hands each event
    /// to `body` as it is made, in order, with no array per line. `body` must not call this
    /// engine.
    public func analyze(
        _ line: UnsafeRawBufferPointer, file: String? = nil, lineNumber: Int = 0, time: Double? = nil,
        _ body: (AnalysisEvent) -> Void
    ) {
        withoutActuallyEscaping(body) { sink in
            var pass = Pass(
                line: line, file: file, lineNumber: lineNumber, time: time ?? clock.now(), collects: true, sink: sink)
            run(&pass)
        }
    }

    /// Analyses one line exactly like ``analyze(_:file:lineNumber:time:)-5ixps`` (hits,
    /// thresholds, contexts, counters) but builds no events: no field values, no copy of the
    /// line. Returns how many alerts the line gave.
    public func countAlerts(in line: UnsafeRawBufferPointer, time: Double? = nil) -> Int {
        var pass = Pass(line: line, file: nil, lineNumber: 0, time: time ?? clock.now(), collects: false)
        run(&pass)
        return pass.alerts
    }

    private func run(_ pass: inout Pass) {
        lines += 1
        for word in 0..<words { bits[word] = 0 }
        prefilter?.scan(pass.line, into: bits)
        spanCount = 0
        if pass.time >= nextContextExpiry { expireContexts(at: pass.time) }
        var matchedAny = false
        for index in ruleset.topLevel {
            var flags = Flags()
            var state = State()
            if !pending.isEmpty { pending.removeAll(keepingCapacity: true) }
            let matched = evaluate(index, &state, &flags, &pass)
            matchedAny = matchedAny || matched
            if matched && (rules[index].isLast || flags.last) { break }
        }
        if !pending.isEmpty { pending.removeAll(keepingCapacity: true) }
        if !matchedAny, let sendTo = ruleset.defaultSendTo, sendTo == .management || sendTo == .both {
            alerts += 1
            pass.alerts += 1
            if pass.collects {
                pass.deliver(
                    AnalysisEvent(
                        kind: .alert, ruleID: "0x0000", fields: ["classification.text": "0x0000"], file: pass.file,
                        lineNumber: pass.lineNumber, line: Array(pass.line), time: pass.time, sendTo: sendTo))
            }
        }
    }

    private struct Flags {
        var last = false
        var alert = false
    }

    private struct State {
        var hasIDMEF = false
        /// The first rule of the chain whose evaluation completed (children before parents):
        /// the rule prelude-lml reports as the alert's Rule ID.
        var firstCompleted: Int?
    }

    private struct Pass {
        let line: UnsafeRawBufferPointer
        let file: String?
        let lineNumber: Int
        let time: Double
        /// Whether events are built (false: only counted).
        let collects: Bool
        /// Where events go as they are made; nil: into `events`.
        var sink: ((AnalysisEvent) -> Void)? = nil
        var events: [AnalysisEvent] = []
        var alerts = 0

        mutating func deliver(_ event: AnalysisEvent) {
            if let sink { sink(event) } else { events.append(event) }
        }
    }

    @inline(__always)
    private func mayMatch(_ pattern: Int) -> Bool {
        alwaysCandidate[pattern] || prefilterTable.unsafelyUnwrapped.mayMatch(pattern, bits)
    }

    @inline(__always)
    private func evaluate(_ index: Int, _ state: inout State, _ flags: inout Flags, _ pass: inout Pass) -> Bool {
        guard hasPatterns[index] else { return false }
        for position in Int(requiredStart[index])..<Int(requiredStart[index + 1])
        where !mayMatch(Int(required[position])) {
            return false
        }
        return evaluateCandidate(index, &state, &flags, &pass)
    }

    private func reserveSpans(_ count: Int) {
        guard spanCount + count > spanCapacity else { return }
        var capacity = spanCapacity
        while spanCount + count > capacity { capacity *= 2 }
        let grown = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
        grown.update(from: spans, count: spanCount)
        spans.deallocate()
        spans = grown
        spanCapacity = capacity
    }

    /// The rule's patterns (with PCRE2) and everything after them, once the prefilter let it through.
    private func evaluateCandidate(_ index: Int, _ state: inout State, _ flags: inout Flags, _ pass: inout Pass)
        -> Bool
    {
        let rule = rules[index]
        let spanBase = spanCount
        reserveSpans(2 * rule.groupCount)
        spanCount += 2 * rule.groupCount
        var optionalMatches = 0
        for position in 0..<rule.patterns.count {
            let pattern = rule.patterns[position]
            let regex = regexes[pattern]
            let count = mayMatch(pattern) ? regex.matchCount(in: pass.line) : 0
            let isOptional = rule.optional[position]
            if count == 0 && !isOptional {
                spanCount = spanBase
                return false
            }
            if count > 0 && isOptional { optionalMatches += 1 }
            let groups = regex.captureCount
            guard groups > 0 else { continue }
            let target = spans + spanBase + 2 * rule.groupBase[position]
            if count == 0 {
                target.update(repeating: -1, count: 2 * groups)
                continue
            }
            let offsets = regex.offsets
            for group in 1...groups {
                let start = offsets[2 * group]
                let end = offsets[2 * group + 1]
                let isSet = group < count && start >= 0 && end >= start
                target[2 * group - 2] = isSet ? start : -1
                target[2 * group - 1] = isSet ? end : -1
            }
        }
        if rule.minimumOptionalRegexMatches > 0 && optionalMatches < rule.minimumOptionalRegexMatches { return false }
        if rule.hasContexts {
            for (operation, name) in rule.contexts {
                switch operation.kind {
                case .not:
                    if let name = resolve(name, spanBase, pass.line), contexts[name] != nil { return false }
                case .require:
                    guard let name = resolve(name, spanBase, pass.line), let context = contexts[name] else {
                        return false
                    }
                    pending.append(.merge(context.fields))
                    state.hasIDMEF = state.hasIDMEF || !context.fields.isEmpty
                case .optional:
                    if let name = resolve(name, spanBase, pass.line), let context = contexts[name] {
                        pending.append(.merge(context.fields))
                        state.hasIDMEF = state.hasIDMEF || !context.fields.isEmpty
                    }
                default: break
                }
            }
        }
        if !rule.assignments.isEmpty {
            state.hasIDMEF = true
            pending.append(.assign(rule: index, spanBase: spanBase))
        }
        var childFlags = Flags()
        var optionalChildren = 0
        for child in rule.children {
            let matched = evaluate(child.rule, &state, &childFlags, &pass)
            if !matched && !child.isOptional {
                resetState(&state)
                return false
            }
            if matched && child.isOptional { optionalChildren += 1 }
            flags.alert = flags.alert || childFlags.alert
            flags.last = flags.last || childFlags.last
            if childFlags.last { break }
        }
        if optionalChildren < rule.minimumOptionalGotoMatches {
            resetState(&state)
            return false
        }
        if state.firstCompleted == nil { state.firstCompleted = index }
        if rule.hasContexts {
            for (operation, name) in rule.contexts
            where operation.kind == .new || operation.kind == .set || operation.kind == .add {
                guard let name = resolve(name, spanBase, pass.line) else { continue }
                if operation.kind == .new && contexts[name] != nil { continue }
                let expires = operation.expire > 0 ? pass.time + operation.expire : .infinity
                contexts[name] = (fields(pass.line), expires)
                nextContextExpiry = min(nextContextExpiry, expires)
            }
        }
        if !rule.isSilent && state.hasIDMEF {
            emit(index, spanBase, reporting: state.firstCompleted ?? index, &pass)
            resetState(&state)
            flags.alert = true
        }
        if rule.isLast { flags.last = true }
        if rule.hasContexts {
            for (operation, name) in rule.contexts where operation.kind == .destroy {
                if let name = resolve(name, spanBase, pass.line) { contexts[name] = nil }
            }
        }
        return true
    }

    @inline(__always)
    private func resetState(_ state: inout State) {
        state = State()
        if !pending.isEmpty { pending.removeAll(keepingCapacity: true) }
    }

    @inline(__always)
    private func resolve(_ template: BoundTemplate, _ spanBase: Int, _ line: UnsafeRawBufferPointer) -> String? {
        template.resolve(line, spans + spanBase)
    }

    /// The fields of the current chain: its contributions applied in order.
    private func fields(_ line: UnsafeRawBufferPointer) -> [String: String] {
        var fields: [String: String] = [:]
        for contribution in pending {
            switch contribution {
            case .merge(let context): fields.merge(context) { _, new in new }
            case .assign(let index, let spanBase):
                let rule = rules[index]
                if fields.isEmpty, let own = rule.ownFields {
                    // The same result as below, starting from the rule's constant fields.
                    fields = own.layout.constant
                    for (path, source) in zip(own.layout.linePaths, own.sources) {
                        if let text = resolve(source.template, spanBase, line) { fields[path] = text }
                    }
                } else {
                    for (path, value) in rule.assignments {
                        if let text = resolve(value, spanBase, line) { fields[path] = text }
                    }
                }
                if fields["rule.id"] == nil {
                    fields["rule.id"] = rule.id
                    if let revision = rule.revision { fields["rule.revision"] = String(revision) }
                }
            }
        }
        return fields
    }

    /// The fields of the current chain for an event, with the rule id and revision they name.
    /// A chain with ``ChainFields`` gives compact fields (its values from the line only);
    /// anything else a dictionary.
    private func eventFields(_ line: UnsafeRawBufferPointer, default rule: EngineRule) -> (
        AnalysisFields, String, Int?
    ) {
        if compactFields, let (chain, first) = chainFields() {
            var values = ContiguousArray<String?>()
            values.reserveCapacity(chain.sources.count)
            for (position, template) in chain.sources {
                if case .assign(_, let spanBase) = pending[position] {
                    values.append(resolve(template, spanBase, line))
                } else {
                    values.append(nil)
                }
            }
            // As the dictionary below would say: the first rule's id, its revision or the emitter's.
            let source = rules[first]
            return (AnalysisFields(layout: chain.layout, values: values), source.id, source.revision ?? rule.revision)
        }
        var fields = fields(line)
        let ruleID = fields.removeValue(forKey: "rule.id") ?? rule.id
        let revision = fields.removeValue(forKey: "rule.revision").flatMap { Int($0) } ?? rule.revision
        return (AnalysisFields(fields), ruleID, revision)
    }

    /// The compact fields of the current chain and the index of its first rule, when the
    /// chain is one rule or two with a ``ChainFields`` (pairs are built once and kept).
    private func chainFields() -> (ChainFields, Int)? {
        guard let head = pending.first, case .assign(let first, _) = head else { return nil }
        if pending.count == 1 { return rules[first].ownFields.map { ($0, first) } }
        guard pending.count == 2, case .assign(let second, _) = pending[1] else { return nil }
        let key = RulePair(first: first, second: second)
        if let known = pairFields[key] { return known.map { ($0, first) } }
        let built = ChainFields([rules[first], rules[second]])
        pairFields[key] = .some(built)
        return built.map { ($0, first) }
    }

    private struct RulePair: Hashable {
        var first: Int
        var second: Int
    }

    /// Emits the event of rule `index`. `reporting`: the chain's first completed rule, whose id
    /// and revision a prelude-lml ruleset reports (prelude-lml names a chain's alert after the
    /// first goto child that matched, not after the rule that jumped to it).
    private func emit(_ index: Int, _ spanBase: Int, reporting: Int, _ pass: inout Pass) {
        let rule = rules[index]
        hits[index] += 1
        var thresholdCount: Int?
        var isAlert = true
        if let threshold = rule.threshold {
            let key = rule.thresholdKey.flatMap { resolve($0, spanBase, pass.line) } ?? ""
            thresholdCount = thresholds.record(
                slot: rule.thresholdSlot, key: key, time: pass.time, threshold: threshold)
            isAlert = thresholdCount != nil
        }
        if isAlert {
            alerts += 1
            pass.alerts += 1
        }
        guard pass.collects else { return }
        var (fields, ruleID, revision) = eventFields(pass.line, default: rule)
        if ruleset.format == .preludeLML {
            ruleID = rules[reporting].id
            revision = rules[reporting].revision
        }
        var event = AnalysisEvent(
            kind: .alert, ruleID: ruleID, ruleRevision: revision, fields: fields, file: pass.file,
            lineNumber: pass.lineNumber, line: Array(pass.line), time: pass.time, sendTo: rule.sendTo)
        if rule.threshold != nil {
            if let count = thresholdCount {
                pass.deliver(
                    AnalysisEvent(
                        kind: .event, ruleID: ruleID, ruleRevision: revision, fields: fields, file: pass.file,
                        lineNumber: pass.lineNumber, line: event.line, time: pass.time, sendTo: rule.sendTo))
                for (path, value) in rule.thresholdAssignments {
                    if let text = resolve(value, spanBase, pass.line) { event.fields[path] = text }
                }
                event.count = count
            } else {
                event.kind = .event
            }
        }
        pass.deliver(event)
    }

    private func expireContexts(at time: Double) {
        contexts = contexts.filter { $0.value.expires > time }
        nextContextExpiry = contexts.values.map(\.expires).min() ?? .infinity
    }
}
