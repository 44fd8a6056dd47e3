// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEConfig
import MICERegex

/// Loads the original `mice_mod_pop_aa_regex.conf` (parsecfg INI syntax): its rule sections
/// become rules whose id and classification are the original alert IDs (`0x1010` …), tried in
/// the original fixed order, first match wins, anchored at the start of the line.
///
/// Fixed on purpose (spec §11): `FwR_Rule` gives 0x8020 (reject) and `FwA_Rule` 0x8030 (accept);
/// a SendTo value other than N/M/A/B is an error instead of "both".
public enum OriginalRulesetLoader {
    /// One original rule key.
    public struct Kind: Sendable, Hashable {
        public var section: String
        public var key: String
        public var alertID: String
        public var description: String
        public var completion: String?
        public var severity: String
    }

    /// The rule keys in the order the original tried them.
    public static let kinds: [Kind] = [
        Kind(
            section: "AUTH", key: "AUS_RULE", alertID: "0x1010", description: "Authentication Success",
            completion: "succeeded", severity: "low"),
        Kind(
            section: "AUTH", key: "AUF_RULE", alertID: "0x1020", description: "Authentication Failure",
            completion: "failed", severity: "medium"),
        Kind(
            section: "ROOT", key: "ROW_RULE", alertID: "0x2010", description: "Superuser writes to File",
            completion: nil, severity: "medium"),
        Kind(
            section: "ROOT", key: "ROO_RULE", alertID: "0x2020", description: "Superuser opens File",
            completion: nil, severity: "low"),
        Kind(
            section: "ROOT", key: "ROR_RULE", alertID: "0x2030", description: "Superuser reads from File",
            completion: nil, severity: "low"),
        Kind(
            section: "ROOT", key: "ROS_RULE", alertID: "0x2040", description: "Superuser does Operation on Socket",
            completion: nil, severity: "medium"),
        Kind(
            section: "ROOT", key: "ROE_RULE", alertID: "0x2050", description: "Superuser executes Code",
            completion: nil, severity: "medium"),
        Kind(
            section: "READ", key: "RES_RULE", alertID: "0x3010", description: "Read Success",
            completion: "succeeded", severity: "info"),
        Kind(
            section: "READ", key: "REF_RULE", alertID: "0x3020", description: "Read Failure", completion: "failed",
            severity: "low"),
        Kind(
            section: "WRITE", key: "WRS_RULE", alertID: "0x4010", description: "Write Success",
            completion: "succeeded", severity: "info"),
        Kind(
            section: "WRITE", key: "WRF_RULE", alertID: "0x4020", description: "Write Failure", completion: "failed",
            severity: "low"),
        Kind(
            section: "MONITORING", key: "MO_UID", alertID: "0x5010", description: "Monitoring UserID",
            completion: nil, severity: "low"),
        Kind(
            section: "MONITORING", key: "MO_GID", alertID: "0x5020", description: "Monitoring GroupID",
            completion: nil, severity: "low"),
        Kind(
            section: "APPS", key: "AP_NAME", alertID: "0x6010", description: "Monitoring Application",
            completion: nil, severity: "medium"),
        Kind(
            section: "EXPLOIT", key: "EX_RULE", alertID: "0x7010", description: "Exploit Signature detected",
            completion: nil, severity: "high"),
        Kind(
            section: "FIREWALL", key: "FWD_RULE", alertID: "0x8010", description: "Firewall Rule: Drop",
            completion: nil, severity: "low"),
        Kind(
            section: "FIREWALL", key: "FWR_RULE", alertID: "0x8020", description: "Firewall Rule: Reject",
            completion: nil, severity: "low"),
        Kind(
            section: "FIREWALL", key: "FWA_RULE", alertID: "0x8030", description: "Firewall Rule: Accept",
            completion: nil, severity: "info"),
        Kind(
            section: "FIREWALL", key: "FWI_RULE", alertID: "0x8040", description: "Firewall Rule: Illegal",
            completion: nil, severity: "medium"),
    ]

    /// The SendTo key of each rule section.
    public static let sendToKeys: [String: String] = [
        "AUTH": "AUSENDTO", "ROOT": "ROSENDTO", "READ": "RESENDTO", "WRITE": "WRSENDTO", "MONITORING": "MOSENDTO",
        "APPS": "APSENDTO", "EXPLOIT": "EXSENDTO", "FIREWALL": "FWSENDTO", "DEFAULT": "DESENDTO",
    ]

    static let otherKeys: [String: Set<String>] = [
        "HOST_INFO": ["MANAGEMENT", "AGENT", "ENCRYPTION", "MNGMNTKEY", "AGENTKEY"],
        "IDMEF_INFO": ["ALERTID", "ALERTIDFILE", "DTDFILE"],
    ]

    /// Loads the file at `path`.
    public static func load(path: String) throws(AnalysisError) -> Ruleset {
        try parse(try RuleFiles.read(path), file: path)
    }

    /// Parses the text of a mice_mod_pop_aa_regex.conf.
    public static func parse(_ text: String, file: String) throws(AnalysisError) -> Ruleset {
        let document: ConfigDocument
        do {
            document = try ConfigDocument.parse(text, file: file)
        } catch {
            throw AnalysisError(.syntax, file: file, line: error.line ?? 0, error.description)
        }
        var sendTo: [String: AnalysisRule.SendTo] = [:]
        var patterns: [String: [(String, Int)]] = [:]
        for section in document.sections {
            let name = section.canonicalName
            let ruleKeys = Set(kinds.filter { $0.section == name }.map(\.key))
            guard sendToKeys[name] != nil || otherKeys[name] != nil else {
                throw AnalysisError(.unknownKey, file: file, line: section.line, "unknown section [\(section.name)]")
            }
            for entry in section.entries {
                let key = entry.canonicalKey
                if key == sendToKeys[name] {
                    guard let value = entry.values.last else { continue }
                    sendTo[name] = try parseSendTo(value.text, file: file, line: value.line)
                } else if ruleKeys.contains(key) {
                    for value in entry.values where !value.text.isEmpty {
                        patterns[name + "." + key, default: []].append((value.text, value.line))
                    }
                } else if otherKeys[name]?.contains(key) != true {
                    throw AnalysisError(
                        .unknownKey, file: file, line: entry.line, "unknown key \(entry.key) in [\(section.name)]")
                }
            }
        }
        var rules: [AnalysisRule] = []
        for kind in kinds {
            for (pattern, line) in patterns[kind.section + "." + kind.key] ?? [] {
                let compiled = AnalysisRule.Pattern(regex: pattern, isAnchored: true)
                do {
                    _ = try PatternCompiler.compile(compiled)
                } catch {
                    throw AnalysisError(.invalidPattern, file: file, line: line, error.description)
                }
                var rule = AnalysisRule(
                    id: kind.alertID, location: AnalysisRule.Location(file: file, line: line), patterns: [compiled])
                rule.assignments = [
                    AnalysisRule.Assignment(
                        path: IDMEFPath.classificationText, value: RuleTemplate(parts: [.literal(kind.alertID)])),
                    AnalysisRule.Assignment(
                        path: "classification.reference(0).name", value: RuleTemplate(parts: [.literal(kind.alertID)])
                    ),
                    AnalysisRule.Assignment(
                        path: "classification.reference(0).meaning",
                        value: RuleTemplate(parts: [.literal(kind.description)])),
                    AnalysisRule.Assignment(
                        path: IDMEFPath.severity, value: RuleTemplate(parts: [.literal(kind.severity)])),
                    AnalysisRule.Assignment(
                        path: IDMEFPath.description, value: RuleTemplate(parts: [.literal(kind.description)])),
                ]
                if let completion = kind.completion {
                    rule.assignments.append(
                        AnalysisRule.Assignment(
                            path: IDMEFPath.completion, value: RuleTemplate(parts: [.literal(completion)]))
                    )
                }
                rule.isLast = true
                rule.sendTo = sendTo[kind.section] ?? AnalysisRule.SendTo.none
                rules.append(rule)
            }
        }
        return Ruleset(
            format: .original, rules: rules, topLevel: Array(rules.indices),
            defaultSendTo: sendTo["DEFAULT"] ?? AnalysisRule.SendTo.none)
    }

    /// The first character decides, as in the original: N, M, A or B.
    static func parseSendTo(_ text: String, file: String, line: Int) throws(AnalysisError) -> AnalysisRule.SendTo {
        switch text.first {
        case "N", "n": return .none
        case "M", "m": return .management
        case "A", "a": return .agent
        case "B", "b": return .both
        default:
            throw AnalysisError(.invalidValue, file: file, line: line, "SendTo must start with N, M, A or B: \(text)")
        }
    }
}
