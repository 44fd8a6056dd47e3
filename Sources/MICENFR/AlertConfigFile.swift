// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A backend's alert configuration file (`.acf`), as the seed prints it:
///
/// ```
/// acfhdr { version = 1; fixed = TRUE; }
/// alert_source BAD_HOST_BACKEND { shortname = NEW_BAD_HOST_BACKEND; longname = "Bad Host Backend"; }
/// alert NEW_BAD_HOST { rules = networklist popup; severity = SEV_ATTACK; format = "$(1) ..."; }
/// ```
///
/// Whitespace does not matter and `#` starts a comment. `acfhdr` must appear exactly once with
/// `version = 1` and `fixed = TRUE`; `alert_source` and `alert` sections may appear any number of
/// times, in any order. Our extension: `rule NAME { type = mail; to = "a@b"; latency = 15;
/// batch = 50; }` defines a mail rule that an alert's `rules` can name (the seed configured those
/// in its GUI). Unknown sections and keys are errors naming the line.
public struct AlertConfigFile: Hashable, Sendable {
    /// The file's path.
    public let path: String
    /// The alert sources by section name.
    public private(set) var sources: [String: AlertSourceDefinition] = [:]
    /// The alerts by name.
    public private(set) var alerts: [String: AlertDefinition] = [:]
    /// The mail rules defined in the file, by name.
    public private(set) var mailRules: [String: MailRuleDefinition] = [:]

    /// Parses the text of an `.acf` file.
    public init(path: String, text: String) throws(NFRError) {
        self.path = path
        var scanner = AlertConfigScanner(path: path, text: text)
        var sawHeader = false
        while let token = try scanner.next() {
            guard case .word(let kind) = token.kind else {
                throw NFRError(.syntax, file: path, line: token.line, "expected a section name, found \(token.kind)")
            }
            switch kind {
            case "acfhdr":
                guard !sawHeader else {
                    throw NFRError(.duplicate, file: path, line: token.line, "acfhdr appears more than once")
                }
                sawHeader = true
                let body = try scanner.section(name: nil)
                try Self.checkHeader(body, path: path, line: token.line)
            case "alert_source":
                let (name, body) = try scanner.namedSection(kind: kind)
                guard sources[name] == nil else {
                    throw NFRError(.duplicate, file: path, line: token.line, "alert_source \(name) is defined twice")
                }
                sources[name] = try AlertSourceDefinition(name: name, body: body, path: path)
            case "alert":
                let (name, body) = try scanner.namedSection(kind: kind)
                guard alerts[name] == nil else {
                    throw NFRError(.duplicate, file: path, line: token.line, "alert \(name) is defined twice")
                }
                alerts[name] = try AlertDefinition(name: name, body: body, path: path)
            case "rule":
                let (name, body) = try scanner.namedSection(kind: kind)
                guard mailRules[name] == nil else {
                    throw NFRError(.duplicate, file: path, line: token.line, "rule \(name) is defined twice")
                }
                mailRules[name] = try MailRuleDefinition(name: name, body: body, path: path)
            default:
                throw NFRError(
                    .unknownName, file: path, line: token.line,
                    "unknown section \(kind) (expected acfhdr, alert_source, alert or rule)")
            }
        }
        guard sawHeader else {
            throw NFRError(.missingKey, file: path, "the acfhdr section is missing")
        }
        for alert in alerts.values {
            for rule in alert.rules where !AlertDefinition.builtInRules.contains(rule) && mailRules[rule] == nil {
                throw NFRError(
                    .unknownName, file: path, line: alert.line,
                    "alert \(alert.name) names rule \(rule), which is neither built in (\(AlertDefinition.builtInRules.sorted().joined(separator: ", "))) nor defined by a rule section"
                )
            }
        }
    }

    /// Reads and parses an `.acf` file.
    public init(contentsOf path: String) throws(NFRError) {
        try self.init(path: path, text: try NFRFiles.readText(path))
    }

    /// The alert an `alert()` call names: the section of that name, else the only alert whose name
    /// ends in `_` + the name (the seed calls `_:BAD_HOST` but defines `NEW_BAD_HOST`).
    public func alert(named name: String) -> AlertDefinition? {
        if let exact = alerts[name] { return exact }
        let matches = alerts.values.filter { $0.name.hasSuffix("_" + name) }
        return matches.count == 1 ? matches[0] : nil
    }

    /// The source an `alert()` call names: by section name, else by shortname.
    public func source(named name: String) -> AlertSourceDefinition? {
        if let exact = sources[name] { return exact }
        return sources.values.first { $0.shortname == name }
    }

    private static func checkHeader(_ body: [AlertConfigScanner.Assignment], path: String, line: Int) throws(NFRError) {
        var version: String?
        var fixed: String?
        for assignment in body {
            switch assignment.key {
            case "version": version = assignment.text
            case "fixed": fixed = assignment.text
            default:
                throw NFRError(
                    .unknownName, file: path, line: assignment.line, "unknown acfhdr key \(assignment.key)")
            }
        }
        guard let version else { throw NFRError(.missingKey, file: path, line: line, "acfhdr has no version") }
        guard version == "1" else {
            throw NFRError(.invalidValue, file: path, line: line, "acfhdr version must be 1, found \(version)")
        }
        guard let fixed else { throw NFRError(.missingKey, file: path, line: line, "acfhdr has no fixed entry") }
        guard fixed.uppercased() == "TRUE" else {
            throw NFRError(.invalidValue, file: path, line: line, "acfhdr fixed must be TRUE, found \(fixed)")
        }
    }
}
