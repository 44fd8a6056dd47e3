// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERegex

#if canImport(Glibc)
import Glibc
#endif

/// Loads prelude-lml pcre rulesets (`pcre.rules` and the files it includes) unchanged.
///
/// Syntax as prelude-lml reads it: a line ending in `\` continues on the next; `#` starts a
/// comment line; a directive is split at unescaped `;` (`\;` is a literal `;`); each piece is
/// `key=value` (or `key:value`). Keywords: regex, optregex, id, revision, last, silent, chained,
/// goto, optgoto (an id or `a-b`), min-optgoto-match, min-optregex-match, include, new_context,
/// set_context, add_context, require_context, optional_context, not_context, destroy_context;
/// anything else is an IDMEF path assignment. A rule with `include` becomes silent and the
/// included rules become its optional children. A directive that is only `include=file` loads
/// that file at the top level. Like prelude-lml, a broken rule is dropped with a warning
/// (``Ruleset/warnings``, naming file and line) and loading goes on.
public struct PreludeRulesetLoader {
    private var rules: [AnalysisRule] = []
    private var topLevel: [Int] = []
    private var chained: [Int] = []
    private var warnings: [AnalysisError] = []
    private var openParents: [Int] = []
    private var depth = 0

    /// Loads `path` (for example /etc/prelude-lml/ruleset/pcre.rules); relative includes are
    /// resolved in its directory.
    public static func load(path: String) throws(AnalysisError) -> Ruleset {
        var loader = PreludeRulesetLoader()
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let text = try RuleFiles.read(path)
        var list: [Int] = []
        loader.parse(text, file: path, directory: directory, into: &list)
        loader.topLevel.append(contentsOf: list)
        return Ruleset(format: .preludeLML, rules: loader.rules, topLevel: loader.topLevel, warnings: loader.warnings)
    }

    /// Logical lines (continuations joined) with the line number each starts on. A comment line
    /// is never continued, even when it ends in a backslash (as in prelude-lml's own pcre.rules,
    /// where `#regex=...; \` is followed by a live rule that prelude-lml runs).
    static func logicalLines(_ text: String) -> [(Int, String)] {
        var result: [(Int, String)] = []
        var current = ""
        var start = 0
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var line = Substring(raw)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if current.isEmpty { start = number }
            let isComment = current.isEmpty && line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#")
            if !isComment && line.hasSuffix("\\") && !line.hasSuffix("\\\\") {
                current += line.dropLast()
                continue
            }
            current += line
            result.append((start, current))
            current = ""
        }
        if !current.isEmpty { result.append((start, current)) }
        return result
    }

    /// Splits a directive at unescaped `;` the way prelude-lml's cut_line does.
    static func pieces(_ directive: String) -> [String] {
        var pieces: [String] = []
        var current: [UInt8] = []
        var escaped = false
        for byte in directive.utf8 {
            if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if !escaped && byte == UInt8(ascii: ";") {
                pieces.append(String(decoding: current, as: UTF8.self))
                current.removeAll()
                continue
            } else if escaped {
                if byte == UInt8(ascii: ";") { current.removeLast() }
                escaped = false
            }
            current.append(byte)
        }
        pieces.append(String(decoding: current, as: UTF8.self))
        return pieces
    }

    /// `key=value` as prelude-lml splits it (first `=` or `:`).
    static func keyValue(_ piece: Substring) -> (String, String) {
        guard let separator = piece.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
            return (piece.trimmingSpaces(), "")
        }
        var key = Substring(piece[..<separator])
        while let last = key.last, last == ";" || last.isWhitespace { key = key.dropLast() }
        var value = piece[piece.index(after: separator)...].trimmingSpacesSubstring()
        if value.hasSuffix(";") { value = value.dropLast() }
        return (String(key), String(value))
    }

    private mutating func parse(_ text: String, file: String, directory: String, into list: inout [Int]) {
        depth += 1
        defer { depth -= 1 }
        guard depth < 16 else {
            warnings.append(AnalysisError(.syntax, file: file, line: 0, "includes nested too deeply"))
            return
        }
        for (lineNumber, line) in Self.logicalLines(text) {
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            parseDirective(String(trimmed), file: file, line: lineNumber, directory: directory, into: &list)
        }
    }

    private mutating func parseDirective(
        _ directive: String, file: String, line: Int, directory: String, into list: inout [Int]
    ) {
        let location = AnalysisRule.Location(file: file, line: line)
        var rule = AnalysisRule(id: "", location: location, patterns: [])
        var isFirst = true
        let index = rules.count
        rules.append(rule)
        openParents.append(index)
        defer { openParents.removeLast() }
        var failed = false
        for piece in Self.pieces(directive) {
            let trimmedPiece = piece.drop(while: { $0 == " " })
            if trimmedPiece.isEmpty || trimmedPiece.hasPrefix("#") { continue }
            let (key, value) = Self.keyValue(trimmedPiece)
            if isFirst && key == "include" {
                rules.removeLast()
                var included: [Int] = []
                include(value, from: location, directory: directory, into: &included)
                topLevel.append(contentsOf: included)
                return
            }
            isFirst = false
            if !apply(key: key, value: value, to: &rule, index: index, location: location, directory: directory) {
                failed = true
                break
            }
        }
        if !failed && rule.patterns.isEmpty {
            warnings.append(AnalysisError(.missingKey, file: file, line: line, "rule does not provide a regex"))
            failed = true
        }
        if failed {
            rule.patterns = []
            rule.isChained = true
            rule.id = rule.id.isEmpty ? "dropped" : rule.id
            rules[index] = rule
            return
        }
        if rule.id.isEmpty { rule.id = "\(file.split(separator: "/").last ?? "")#\(line)" }
        rules[index] = rule
        if rule.isChained {
            chained.append(index)
        } else {
            list.append(index)
        }
    }

    private mutating func include(
        _ value: String, from location: AnalysisRule.Location, directory: String, into list: inout [Int]
    ) {
        let path = value.hasPrefix("/") ? value : directory + "/" + value
        do {
            let text = try RuleFiles.read(path)
            parse(text, file: path, directory: directory, into: &list)
        } catch {
            warnings.append(
                AnalysisError(.unreadable, file: location.file, line: location.line, "cannot include \(path)"))
        }
    }

    /// Applies one keyword or assignment; false (with a warning) drops the rule.
    private mutating func apply(
        key: String, value: String, to rule: inout AnalysisRule, index: Int, location: AnalysisRule.Location,
        directory: String
    ) -> Bool {
        func warn(_ code: AnalysisError.Code, _ message: String) -> Bool {
            warnings.append(AnalysisError(code, file: location.file, line: location.line, message))
            return false
        }
        switch key {
        case "regex", "optregex":
            do {
                _ = try PatternCompiler.compile(AnalysisRule.Pattern(regex: value))
            } catch {
                return warn(.invalidPattern, "unable to compile regex \(value): \(error)")
            }
            rule.patterns.append(AnalysisRule.Pattern(regex: value, isOptional: key == "optregex"))
        case "id": rule.id = String(Self.cNumber(value))
        case "revision": rule.revision = Self.cNumber(value)
        case "last": rule.isLast = true
        case "silent": rule.isSilent = true
        case "chained": rule.isChained = true
        case "min-optgoto-match": rule.minimumOptionalGotoMatches = Int(value) ?? 0
        case "min-optregex-match": rule.minimumOptionalRegexMatches = Int(value) ?? 0
        case "goto", "optgoto":
            let bounds = value.split(separator: "-", maxSplits: 1).map { UInt(String($0).trimmingSpaces()) }
            guard let low = bounds.first ?? nil else {
                return warn(.invalidValue, "could not parse goto value '\(value)'")
            }
            let high = bounds.count > 1 ? (bounds[1] ?? low) : low
            guard high >= low, high - low < 10_000 else { return warn(.invalidValue, "bad goto range '\(value)'") }
            for id in low...high {
                guard let target = findRule(id: String(id)) else {
                    return warn(.invalidValue, "could not find a rule with ID \(id)")
                }
                rule.children.append(AnalysisRule.Child(rule: target, isOptional: key == "optgoto"))
            }
        case "include":
            rule.isSilent = true
            rules[index] = rule
            topLevel.append(index)
            var included: [Int] = []
            include(value, from: location, directory: directory, into: &included)
            topLevel.removeLast()
            rule.children.append(contentsOf: included.map { AnalysisRule.Child(rule: $0, isOptional: true) })
        case "new_context", "set_context", "add_context":
            let kind: AnalysisRule.ContextOperation.Kind =
                key == "new_context" ? .new : key == "set_context" ? .set : .add
            let parts = value.split(separator: ",")
            guard let name = parts.first else { return warn(.invalidValue, "empty context name") }
            var expire = 60.0
            for option in parts.dropFirst() {
                let (optionKey, optionValue) = Self.keyValue(option)
                switch optionKey {
                case "expire": expire = Double(Int(optionValue) ?? 0)
                case "alert_on_expire", "alert_on_destroy": break
                default: return warn(.unknownKey, "Unknown context creation argument: '\(optionKey)'")
                }
            }
            rule.contexts.append(
                AnalysisRule.ContextOperation(
                    kind: kind, name: RuleTemplate(parsing: String(name), namedReferences: false), expire: expire))
        case "require_context", "optional_context", "not_context", "destroy_context":
            let kind: AnalysisRule.ContextOperation.Kind =
                switch key {
                case "require_context": .require
                case "optional_context": .optional
                case "not_context": .not
                default: .destroy
                }
            rule.contexts.append(
                AnalysisRule.ContextOperation(kind: kind, name: RuleTemplate(parsing: value, namedReferences: false)))
        default:
            guard Self.isIDMEFPath(key) else { return warn(.unknownKey, "unknown keyword or IDMEF path '\(key)'") }
            rule.assignments.append(
                AnalysisRule.Assignment(
                    path: IDMEFPath.normalized(key), value: RuleTemplate(parsing: value, namedReferences: false)))
        }
        return true
    }

    /// strtoul(…, 0) as prelude-lml parses ids.
    static func cNumber(_ text: String) -> Int {
        let trimmed = text.trimmingSpaces()
        if trimmed.hasPrefix("0x") || trimmed.hasPrefix("0X") { return Int(trimmed.dropFirst(2), radix: 16) ?? 0 }
        let digits = trimmed.prefix(while: { $0.isNumber })
        return Int(digits) ?? 0
    }

    static func isIDMEFPath(_ key: String) -> Bool {
        let roots = [
            "alert.", "classification.", "assessment.", "source", "target", "analyzer", "additional_data",
            "detect_time", "create_time", "correlation_alert", "tool_alert", "overflow_alert", "heartbeat.",
        ]
        return roots.contains { key.hasPrefix($0) }
    }

    /// A rule id among the chained rules first, then among all parsed rules (prelude-lml order).
    private func findRule(id: String) -> Int? {
        if let found = chained.last(where: { rules[$0].id == id }) { return found }
        return rules.indices.last(where: { rules[$0].id == id && !rules[$0].patterns.isEmpty })
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String { String(trimmingSpacesSubstring()) }

    func trimmingSpacesSubstring() -> Substring {
        let text = Substring(self)
        let start = text.firstIndex(where: { !$0.isWhitespace }) ?? text.endIndex
        let end = text.lastIndex(where: { !$0.isWhitespace }).map { text.index(after: $0) } ?? start
        return start < end ? text[start..<end] : ""
    }
}
