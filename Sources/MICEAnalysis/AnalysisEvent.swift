// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEIDMEF

/// What a rule produced for a line: an alert, or (for rules with a threshold) an event that
/// counts towards one.
public struct AnalysisEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// Reported: a rule without threshold matched, or a threshold was reached.
        case alert
        /// A match of a rule with a threshold that did not (yet) give an alert.
        case event
    }

    /// An endpoint as the captures described it.
    public struct Endpoint: Sendable, Hashable {
        public var address: String?
        public var host: String?
        public var port: String?
        public var user: String?
        public var process: String?
        public var service: String?

        public init(
            address: String? = nil, host: String? = nil, port: String? = nil, user: String? = nil,
            process: String? = nil, service: String? = nil
        ) {
            self.address = address
            self.host = host
            self.port = port
            self.user = user
            self.process = process
            self.service = service
        }
    }

    public var kind: Kind
    public var ruleID: String
    public var ruleRevision: Int?
    /// Every IDMEF field the rule (and its chained rules) set, by normalised path.
    public var fields: AnalysisFields
    /// For threshold alerts: how many events it stands for.
    public var count: Int
    /// The file the line came from, if any.
    public var file: String?
    /// 1-based line number in the file.
    public var lineNumber: Int
    /// The raw line, without its line feed.
    public var line: [UInt8]
    /// When the event happened (seconds since the epoch).
    public var time: Double
    /// The original aa_regex destination, for rules from mice_mod_pop_aa_regex.conf.
    public var sendTo: AnalysisRule.SendTo?

    public init(
        kind: Kind, ruleID: String, ruleRevision: Int? = nil, fields: AnalysisFields, count: Int = 1,
        file: String?, lineNumber: Int, line: [UInt8], time: Double, sendTo: AnalysisRule.SendTo? = nil
    ) {
        self.kind = kind
        self.ruleID = ruleID
        self.ruleRevision = ruleRevision
        self.fields = fields
        self.count = count
        self.file = file
        self.lineNumber = lineNumber
        self.line = line
        self.time = time
        self.sendTo = sendTo
    }

    public var classification: String { fields[IDMEFPath.classificationText] ?? ruleID }
    public var severity: IDMEFImpact.Severity? { fields[IDMEFPath.severity].flatMap(IDMEFImpact.Severity.init) }
    public var completion: IDMEFImpact.Completion? {
        fields[IDMEFPath.completion].flatMap(IDMEFImpact.Completion.init)
    }
    public var impactType: IDMEFImpact.ImpactType? {
        fields[IDMEFPath.impactType].flatMap(IDMEFImpact.ImpactType.init)
    }
    public var source: Endpoint { endpoint("source") }
    public var target: Endpoint { endpoint("target") }

    private func endpoint(_ root: String) -> Endpoint {
        Endpoint(
            address: fields[root + "(0).node.address(0).address"], host: fields[root + "(0).node.name"],
            port: fields[root + "(0).service.port"], user: fields[root + "(0).user.user_id(0).name"],
            process: fields[root + "(0).process.name"], service: fields[root + "(0).service.name"])
    }

    /// One JSON object on one line (no line feed).
    public var jsonLine: String {
        var out = "{"
        func key(_ name: String) { out += (out.count > 1 ? "," : "") + JSONText.quoted(name) + ":" }
        func string(_ name: String, _ value: String?) {
            key(name)
            out += value.map(JSONText.quoted) ?? "null"
        }
        func endpoint(_ name: String, _ value: Endpoint) {
            key(name)
            let parts: [(String, String?)] = [
                ("address", value.address), ("host", value.host), ("port", value.port), ("user", value.user),
                ("process", value.process), ("service", value.service),
            ]
            out +=
                "{"
                + parts.map { JSONText.quoted($0.0) + ":" + ($0.1.map(JSONText.quoted) ?? "null") }
                .joined(separator: ",") + "}"
        }
        string("kind", kind.rawValue)
        string("rule_id", ruleID)
        key("rule_revision")
        out += ruleRevision.map(String.init) ?? "null"
        string("classification", classification)
        string("severity", severity?.rawValue)
        string("completion", completion?.rawValue)
        string("impact", impactType?.rawValue)
        string("description", fields[IDMEFPath.description])
        endpoint("source", source)
        endpoint("target", target)
        key("count")
        out += String(count)
        string("file", file)
        key("line_no")
        out += String(lineNumber)
        string("line", String(decoding: line, as: UTF8.self))
        if sendTo != nil { string("send_to", sendTo?.rawValue) }
        out += "}"
        return out
    }
}

/// JSON string quoting.
public enum JSONText {
    /// `text` as a JSON string literal with every control character escaped.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _
            where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
