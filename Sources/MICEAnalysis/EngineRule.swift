// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERegex

/// An ``AnalysisRule`` laid out for the engine's hot path: pattern ids, where each pattern's
/// groups go in the rule's flat capture list, and templates bound to that list.
///
/// A final class so that looking a rule up costs one reference, not a copy of every array of
/// the rule.
final class EngineRule {
    /// Pattern ids (indexes into the engine's regexes), in rule order.
    let patterns: [Int]
    /// Per pattern: `optregex`.
    let optional: [Bool]
    /// Per pattern: index of its first group in the rule's flat group list.
    let groupBase: [Int]
    /// Groups of all patterns together.
    let groupCount: Int
    /// Field assignments with their templates bound.
    let assignments: [(path: String, value: BoundTemplate)]
    /// Whether the paths of ``assignments`` are distinct and none is `rule.id` or `rule.revision`.
    let assignmentsAreDistinct: Bool
    /// The fields of this rule's events when it alone assigned fields.
    private(set) var ownFields: ChainFields?
    /// Context operations with their names bound.
    let contexts: [(operation: AnalysisRule.ContextOperation, name: BoundTemplate)]
    let children: [AnalysisRule.Child]
    let id: String
    let revision: Int?
    let isLast: Bool
    let isSilent: Bool
    let minimumOptionalRegexMatches: Int
    let minimumOptionalGotoMatches: Int
    let threshold: AnalysisRule.Threshold?
    let thresholdKey: BoundTemplate?
    let thresholdAssignments: [(path: String, value: BoundTemplate)]
    /// Threshold state is shared by rules with the same id: the index of the first of them.
    let thresholdSlot: Int
    let sendTo: AnalysisRule.SendTo?
    /// Whether any context operation stores, destroys or reads contexts.
    let hasContexts: Bool

    /// - Parameter absentGroupIsEmpty: a reference to a group the patterns do not have reads as
    ///   an empty string (prelude-lml: `User $1 executed` of a pattern without groups gives
    ///   "User  executed") instead of leaving the field unset.
    init(
        _ rule: AnalysisRule, patterns: [Int], regexes: [PCRERegex], thresholdSlot: Int,
        absentGroupIsEmpty: Bool = false
    ) {
        self.patterns = patterns
        optional = rule.patterns.map(\.isOptional)
        var bases: [Int] = []
        var names: [String: [Int]] = [:]
        var total = 0
        for pattern in patterns {
            bases.append(total)
            let regex = regexes[pattern]
            for (number, name) in regex.groupNames.sorted(by: { $0.key < $1.key }) where number >= 1 {
                names[name, default: []].append(total + number - 1)
            }
            total += regex.captureCount
        }
        groupBase = bases
        groupCount = total
        func bind(_ template: RuleTemplate) -> BoundTemplate {
            BoundTemplate(template, groupCount: total, names: names, absentGroupIsEmpty: absentGroupIsEmpty)
        }
        assignments = rule.assignments.map { ($0.path, bind($0.value)) }
        let paths = Set(assignments.map(\.path))
        assignmentsAreDistinct =
            paths.count == assignments.count && !paths.contains("rule.id") && !paths.contains("rule.revision")
        contexts = rule.contexts.map { ($0, bind($0.name)) }
        children = rule.children
        id = rule.id
        revision = rule.revision
        isLast = rule.isLast
        isSilent = rule.isSilent
        minimumOptionalRegexMatches = rule.minimumOptionalRegexMatches
        minimumOptionalGotoMatches = rule.minimumOptionalGotoMatches
        threshold = rule.threshold
        thresholdKey = rule.threshold.map { bind($0.key) }
        thresholdAssignments = rule.threshold?.assignments.map { ($0.path, bind($0.value)) } ?? []
        self.thresholdSlot = thresholdSlot
        sendTo = rule.sendTo
        hasContexts = !rule.contexts.isEmpty
        ownFields = ChainFields([self])
    }
}

/// How the events of one chain of rules with assignments (a rule alone, or a rule and the
/// child that completed it) get their fields without a dictionary per event: the chain's
/// constant fields in a shared ``AnalysisFields/Layout`` and, per value taken from the line, which
/// rule of the chain resolves which template.
///
/// Exists only when the result is the same as applying the rules' assignments in order: every
/// rule's paths distinct, no `rule.id`/`rule.revision` among them, and a path set by several rules
/// of the chain only when all of them set it to a constant (the last one wins).
struct ChainFields {
    let layout: AnalysisFields.Layout
    /// Per value of the layout: the position in the chain of the rule whose groups resolve it, and the template.
    let sources: [(position: Int, template: BoundTemplate)]

    init?(_ chain: [EngineRule]) {
        var constant: [String: String] = [:]
        var line: [String: (position: Int, template: BoundTemplate)] = [:]
        var order: [String] = []
        for (position, rule) in chain.enumerated() {
            guard rule.assignmentsAreDistinct else { return nil }
            for (path, value) in rule.assignments {
                if let text = value.constant {
                    guard line[path] == nil else { return nil }
                    constant[path] = text
                } else {
                    guard line[path] == nil, constant[path] == nil else { return nil }
                    line[path] = (position, value)
                    order.append(path)
                }
            }
        }
        layout = AnalysisFields.Layout(constant: constant, linePaths: order)
        sources = order.map { line[$0]! }
    }
}
