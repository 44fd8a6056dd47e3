// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEIDMEF

/// One rule of a ruleset in any of the three formats, in the common model the engine runs.
///
/// Field assignments use prelude-lml's IDMEF paths (`source(0).node.address(0).address`,
/// `classification.text`, `assessment.impact.severity`, …); the M-ICE rule format's short keys
/// are translated to them when loading.
public struct AnalysisRule: Sendable, Hashable {
    /// Where a rule was defined.
    public struct Location: Sendable, Hashable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public init(file: String, line: Int) {
            self.file = file
            self.line = line
        }
        public var description: String { "\(file):\(line)" }
    }

    /// A regular expression of the rule; all non-optional ones must match.
    public struct Pattern: Sendable, Hashable {
        public var regex: String
        /// prelude-lml `optregex`: may fail; its groups are then unset.
        public var isOptional: Bool
        /// Match only at the start of the line (the original GNU `re_match`).
        public var isAnchored: Bool
        public var isCaseless: Bool

        public init(regex: String, isOptional: Bool = false, isAnchored: Bool = false, isCaseless: Bool = false) {
            self.regex = regex
            self.isOptional = isOptional
            self.isAnchored = isAnchored
            self.isCaseless = isCaseless
        }
    }

    /// A rule evaluated after this one matched (prelude-lml `goto`, `optgoto`, `include`).
    public struct Child: Sendable, Hashable {
        /// Index in ``Ruleset/rules``.
        public var rule: Int
        public var isOptional: Bool
        public init(rule: Int, isOptional: Bool) {
            self.rule = rule
            self.isOptional = isOptional
        }
    }

    /// An IDMEF field set from the line.
    public struct Assignment: Sendable, Hashable {
        public var path: String
        public var value: RuleTemplate
        public init(path: String, value: RuleTemplate) {
            self.path = path
            self.value = value
        }
    }

    /// prelude-lml context operations.
    public struct ContextOperation: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable {
            case new, set, add, require, optional, not, destroy
        }
        public var kind: Kind
        public var name: RuleTemplate
        /// Seconds until the context expires (0: never), for new/set/add.
        public var expire: Double
        public init(kind: Kind, name: RuleTemplate, expire: Double = 60) {
            self.kind = kind
            self.name = name
            self.expire = expire
        }
    }

    /// Where the original aa_regex sends what a rule (or the DEFAULT section) produced.
    public enum SendTo: String, Sendable, Hashable {
        case none, management, agent, both
    }

    /// n events with the same key within `window` seconds give one alert, then `quiet` seconds
    /// without alerts for that key.
    public struct Threshold: Sendable, Hashable {
        public var count: Int
        public var window: Double
        public var quiet: Double
        public var key: RuleTemplate
        /// Overrides for the threshold alert (classification text, severity, …) as IDMEF paths.
        public var assignments: [Assignment]

        public init(count: Int, window: Double, quiet: Double, key: RuleTemplate, assignments: [Assignment] = []) {
            self.count = count
            self.window = window
            self.quiet = quiet
            self.key = key
            self.assignments = assignments
        }
    }

    /// The identifier reported as `rule_id` (prelude-lml `id`, the M-ICE rule name, or the
    /// original alert ID such as `0x1020`).
    public var id: String
    public var revision: Int?
    public var location: Location
    public var patterns: [Pattern]
    public var assignments: [Assignment]
    public var children: [Child] = []
    public var contexts: [ContextOperation] = []
    /// Stop evaluating further rules after this one matched.
    public var isLast = false
    /// Match (and contribute fields) without emitting an alert of its own.
    public var isSilent = false
    /// Only reachable through `goto`/`optgoto`, never on its own.
    public var isChained = false
    public var minimumOptionalGotoMatches = 0
    public var minimumOptionalRegexMatches = 0
    public var threshold: Threshold?
    public var sendTo: SendTo?

    public init(id: String, location: Location, patterns: [Pattern], assignments: [Assignment] = []) {
        self.id = id
        self.location = location
        self.patterns = patterns
        self.assignments = assignments
    }
}

/// A loaded ruleset: rules, the ones evaluated for every line, in order, and what the loader noticed.
public struct Ruleset: Sendable, Hashable {
    /// Which format a ruleset was written in.
    public enum Format: String, Sendable, Hashable {
        /// mice_mod_pop_aa_regex.conf of the original M-ICE.
        case original
        /// The M-ICE rule format of etc/rules (docs/rules.md).
        case mice
        /// prelude-lml pcre rulesets.
        case preludeLML = "prelude-lml"
    }

    public var format: Format
    public var rules: [AnalysisRule]
    /// Indexes of the rules tried for every line, in order.
    public var topLevel: [Int]
    /// Rules that were dropped and why (prelude-lml also drops and warns).
    public var warnings: [AnalysisError]
    /// The original DEFAULT section's SendTo: what happens to lines no rule matched.
    public var defaultSendTo: AnalysisRule.SendTo?

    public init(
        format: Format, rules: [AnalysisRule], topLevel: [Int], warnings: [AnalysisError] = [],
        defaultSendTo: AnalysisRule.SendTo? = nil
    ) {
        self.format = format
        self.rules = rules
        self.topLevel = topLevel
        self.warnings = warnings
        self.defaultSendTo = defaultSendTo
    }
}
