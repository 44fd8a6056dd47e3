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
    /// When the rule's paths are distinct and it does not set `rule.id`/`rule.revision` itself:
    /// the layout its events share (its constant assignments, the paths of the rest) and the
    /// templates of the rest, in layout order. Nil otherwise.
    let fieldLayout: AnalysisFields.Layout?
    let lineTemplates: [BoundTemplate]
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

    init(_ rule: AnalysisRule, patterns: [Int], regexes: [PCRERegex], thresholdSlot: Int) {
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
            BoundTemplate(template, groupCount: total, names: names)
        }
        assignments = rule.assignments.map { ($0.path, bind($0.value)) }
        let paths = Set(assignments.map(\.path))
        if paths.count == assignments.count, !paths.contains("rule.id"), !paths.contains("rule.revision") {
            var constant = [String: String](minimumCapacity: assignments.count)
            var linePaths: [String] = []
            var templates: [BoundTemplate] = []
            for (path, value) in assignments {
                if let text = value.constant {
                    constant[path] = text
                } else {
                    linePaths.append(path)
                    templates.append(value)
                }
            }
            fieldLayout = AnalysisFields.Layout(constant: constant, linePaths: linePaths)
            lineTemplates = templates
        } else {
            fieldLayout = nil
            lineTemplates = []
        }
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
    }
}
