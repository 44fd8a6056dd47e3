// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An `alert` section: an alert's delivery rules, severity and message format.
public struct AlertDefinition: Hashable, Sendable {
    /// The rules an alert section may name without defining them.
    public static let builtInRules: Set<String> = ["networklist", "popup", "mail", "email"]

    /// The alert's name.
    public var name: String
    /// Where it goes: `networklist`, `popup`, `mail`/`email` (the engine's default mail rule) or
    /// the name of a `rule` section.
    public var rules: [String]
    /// The severity.
    public var severity: AlertSeverity
    /// The format, with `$(n)` for the n-th argument after the context.
    public var format: String
    /// The line of the section's first key.
    public var line: Int

    init(name: String, body: [AlertConfigScanner.Assignment], path: String) throws(NFRError) {
        self.name = name
        self.rules = []
        self.severity = .warning
        self.format = ""
        self.line = body.first?.line ?? 0
        var sawFormat = false
        for assignment in body {
            switch assignment.key {
            case "rules":
                rules = assignment.values
            case "severity":
                guard let value = AlertSeverity(rawValue: assignment.text) else {
                    throw NFRError(
                        .invalidValue, file: path, line: assignment.line,
                        "unknown severity \(assignment.text) (expected \(AlertSeverity.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                severity = value
            case "format":
                format = assignment.text
                sawFormat = true
            default:
                throw NFRError(
                    .unknownName, file: path, line: assignment.line,
                    "unknown alert key \(assignment.key) (expected rules, severity or format)")
            }
        }
        guard sawFormat else {
            throw NFRError(.missingKey, file: path, line: line, "alert \(name) has no format")
        }
    }

    /// The message for an alert's arguments: `$(n)` becomes the n-th argument (1-based), an absent
    /// argument the empty text, `$$` a dollar sign.
    public func message(arguments: [String]) -> String {
        Self.substitute(format, arguments: arguments)
    }

    /// `$(n)` substitution.
    public static func substitute(_ format: String, arguments: [String]) -> String {
        var result = ""
        var characters = format[...]
        while let dollar = characters.firstIndex(of: "$") {
            result += characters[..<dollar]
            let rest = characters[characters.index(after: dollar)...]
            if rest.first == "$" {
                result += "$"
                characters = rest.dropFirst()
                continue
            }
            if rest.first == "(", let close = rest.firstIndex(of: ")"),
                let number = Int(rest[rest.index(after: rest.startIndex)..<close])
            {
                if number >= 1, number <= arguments.count { result += arguments[number - 1] }
                characters = rest[rest.index(after: close)...]
                continue
            }
            result += "$"
            characters = rest
        }
        result += characters
        return result
    }
}
