// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Literals a line must contain for a pattern to match it, read from the pattern's text.
///
/// The result is a conjunction of clauses, each a disjunction of literals: `Failed (\S+) for`
/// needs "Failed " and " for"; `(kernel|grsec): x` needs "kernel" or "grsec", and ": x". Only
/// necessary conditions are derived: a line with every clause satisfied may still not match,
/// a line without cannot. The reading is conservative: a construct it does not know (inline
/// options, backreferences, `\Q...\E`, `\x`, conditionals, verbs, anything unusual) gives no
/// requirement at all, and the pattern is then prefiltered as a regex.
///
/// Patterns are read as PCRE2 reads them in non-UTF mode without `PCRE2_EXTENDED` (how
/// ``PatternCompiler`` compiles them): bytes, ASCII case folding.
struct RequiredLiterals: Sendable, Hashable {
    /// At least one literal of each clause must occur in the line.
    var clauses: [[[UInt8]]]

    /// The strongest clauses of `pattern`, or nil when it has none usable.
    /// - Parameters:
    ///   - minimumLength: shorter literals are not used (a clause with one is dropped).
    ///   - maximumClauses: at most this many clauses, those whose shortest literal is longest.
    ///   - maximumAlternatives: clauses with more literals are dropped.
    static func of(
        _ pattern: String, minimumLength: Int = 6, maximumClauses: Int = 1, maximumAlternatives: Int = 8
    ) -> RequiredLiterals? {
        var parser = Parser(bytes: Array(pattern.utf8))
        guard let all = try? parser.pattern() else { return nil }
        let usable = all.filter { clause in
            clause.count <= maximumAlternatives && clause.allSatisfy { $0.count >= minimumLength }
        }
        let chosen = usable.enumerated().sorted { lhs, rhs in
            let (left, right) = (Self.strength(lhs.element), Self.strength(rhs.element))
            return left != right ? left > right : lhs.offset < rhs.offset
        }.prefix(maximumClauses).map(\.element)
        return chosen.isEmpty ? nil : RequiredLiterals(clauses: Array(chosen))
    }

    /// A clause is as strong as its shortest literal (fewer alternatives break ties).
    private static func strength(_ clause: [[UInt8]]) -> Int {
        (clause.map(\.count).min() ?? 0) * 16 - clause.count
    }

    private struct GiveUp: Error {}

    /// What one atom of a pattern is.
    private enum Atom {
        /// One literal byte.
        case byte(UInt8)
        /// Something that matches text but is not one known byte (a class, `.`, `\d`...).
        case other
        /// Matches no text (anchors, `\b`, lookarounds).
        case zeroWidth
        /// A group: the clauses it requires.
        case group([[[UInt8]]])
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func pattern() throws(GiveUp) -> [[[UInt8]]] {
            let clauses = try alternation()
            guard index == bytes.count else { throw GiveUp() }  // an unbalanced `)`
            return clauses
        }

        private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        private func peek(_ offset: Int) -> UInt8? {
            index + offset < bytes.count ? bytes[index + offset] : nil
        }

        /// Branches up to `)` or the end: when there are several, one clause made of the
        /// strongest clause of each branch (none if a branch requires nothing).
        private mutating func alternation() throws(GiveUp) -> [[[UInt8]]] {
            var branches = [try sequence()]
            while current == UInt8(ascii: "|") {
                index += 1
                branches.append(try sequence())
            }
            if branches.count == 1 { return branches[0] }
            var union: [[UInt8]] = []
            for branch in branches {
                guard let best = branch.max(by: { RequiredLiterals.strength($0) < RequiredLiterals.strength($1) })
                else { return [] }
                for literal in best where !union.contains(literal) { union.append(literal) }
            }
            return [union]
        }

        private mutating func sequence() throws(GiveUp) -> [[[UInt8]]] {
            var clauses: [[[UInt8]]] = []
            var run: [UInt8] = []
            func flush() {
                if !run.isEmpty { clauses.append([run]) }
                run = []
            }
            while let byte = current, byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
                let atom = try self.atom()
                let minimum = try quantifierMinimum()
                switch atom {
                case .byte(let value):
                    guard let minimum else {
                        run.append(value)
                        continue
                    }
                    if minimum > 0 { run.append(value) }
                    flush()
                case .other, .zeroWidth: flush()
                case .group(let inner):
                    flush()
                    if (minimum ?? 1) > 0 { clauses += inner }
                }
            }
            flush()
            return clauses
        }

        private mutating func atom() throws(GiveUp) -> Atom {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\\"): return try escape()
            case UInt8(ascii: "["):
                try skipClass()
                return .other
            case UInt8(ascii: "("): return try group()
            case UInt8(ascii: "."): return .other
            case UInt8(ascii: "^"), UInt8(ascii: "$"): return .zeroWidth
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"): throw GiveUp()
            case UInt8(ascii: "{"):
                index -= 1
                if looksLikeQuantifier() || braceIsAmbiguous() { throw GiveUp() }
                index += 1
                return .byte(byte)
            default: return .byte(byte)
            }
        }

        private mutating func escape() throws(GiveUp) -> Atom {
            guard let next = current else { throw GiveUp() }
            index += 1
            if !RequiredLiterals.isAlphanumeric(next) { return .byte(next) }
            switch next {
            case UInt8(ascii: "t"): return .byte(0x09)
            case UInt8(ascii: "n"): return .byte(0x0A)
            case UInt8(ascii: "r"): return .byte(0x0D)
            case UInt8(ascii: "f"): return .byte(0x0C)
            case UInt8(ascii: "e"): return .byte(0x1B)
            case UInt8(ascii: "a"): return .byte(0x07)
            case UInt8(ascii: "N"):
                if current == UInt8(ascii: "{") { throw GiveUp() }
                return .other
            default:
                if Array("dDwWsShHvVRXC".utf8).contains(next) { return .other }
                if Array("bBAzZGK".utf8).contains(next) { return .zeroWidth }
                throw GiveUp()
            }
        }

        /// Skips a character class (the `[` already read).
        private mutating func skipClass() throws(GiveUp) {
            if current == UInt8(ascii: "^") { index += 1 }
            if current == UInt8(ascii: "]") { index += 1 }
            while let byte = current {
                index += 1
                switch byte {
                case UInt8(ascii: "]"): return
                case UInt8(ascii: "\\"):
                    guard let next = current else { throw GiveUp() }
                    if RequiredLiterals.isAlphanumeric(next) && !Array("dDwWsShHvVntrfea".utf8).contains(next) {
                        throw GiveUp()
                    }
                    index += 1
                case UInt8(ascii: "["):
                    guard let next = current else { throw GiveUp() }
                    if next == UInt8(ascii: ":") {
                        guard let end = bytes[(index + 1)...].firstRange(of: Array(":]".utf8)) else { throw GiveUp() }
                        index = end.upperBound
                    } else if next == UInt8(ascii: ".") || next == UInt8(ascii: "=") {
                        throw GiveUp()
                    }
                default: continue
                }
            }
            throw GiveUp()
        }

        /// A group (the `(` already read): capturing, non-capturing, named, atomic, branch reset
        /// or lookaround; anything else gives up.
        private mutating func group() throws(GiveUp) -> Atom {
            var isLookaround = false
            if current == UInt8(ascii: "*") { throw GiveUp() }
            if current == UInt8(ascii: "?") {
                index += 1
                guard let kind = current else { throw GiveUp() }
                switch kind {
                case UInt8(ascii: ":"), UInt8(ascii: ">"), UInt8(ascii: "|"): index += 1
                case UInt8(ascii: "="), UInt8(ascii: "!"):
                    index += 1
                    isLookaround = true
                case UInt8(ascii: "<") where peek(1) == UInt8(ascii: "=") || peek(1) == UInt8(ascii: "!"):
                    index += 2
                    isLookaround = true
                case UInt8(ascii: "<"): try skipName(after: 1, until: UInt8(ascii: ">"))
                case UInt8(ascii: "'"): try skipName(after: 1, until: UInt8(ascii: "'"))
                case UInt8(ascii: "P") where peek(1) == UInt8(ascii: "<"):
                    try skipName(after: 2, until: UInt8(ascii: ">"))
                default: throw GiveUp()
                }
            }
            let inner = try alternation()
            guard current == UInt8(ascii: ")") else { throw GiveUp() }
            index += 1
            return isLookaround ? .zeroWidth : .group(inner)
        }

        private mutating func skipName(after offset: Int, until terminator: UInt8) throws(GiveUp) {
            index += offset
            guard let first = current, RequiredLiterals.isAlphanumeric(first) || first == UInt8(ascii: "_") else {
                throw GiveUp()
            }
            while let byte = current, RequiredLiterals.isAlphanumeric(byte) || byte == UInt8(ascii: "_") { index += 1 }
            guard current == terminator else { throw GiveUp() }
            index += 1
        }

        /// After an atom: the quantifier's minimum (nil: no quantifier), lazy and possessive
        /// suffixes read too.
        private mutating func quantifierMinimum() throws(GiveUp) -> Int? {
            guard let byte = current else { return nil }
            var minimum: Int
            switch byte {
            case UInt8(ascii: "*"), UInt8(ascii: "?"):
                minimum = 0
                index += 1
            case UInt8(ascii: "+"):
                minimum = 1
                index += 1
            case UInt8(ascii: "{"):
                guard looksLikeQuantifier() else {
                    if braceIsAmbiguous() { throw GiveUp() }
                    return nil
                }
                index += 1
                minimum = 0
                while let digit = current, RequiredLiterals.isDigit(digit) {
                    minimum = min(minimum * 10 + Int(digit - UInt8(ascii: "0")), 1 << 20)
                    index += 1
                }
                while current != UInt8(ascii: "}") { index += 1 }
                index += 1
            default: return nil
            }
            if current == UInt8(ascii: "?") || current == UInt8(ascii: "+") { index += 1 }
            return minimum
        }

        /// Whether `{` at the current index starts `{n}`, `{n,}` or `{n,m}`.
        private func looksLikeQuantifier() -> Bool {
            var position = index + 1
            var digits = 0
            while position < bytes.count, RequiredLiterals.isDigit(bytes[position]) {
                position += 1
                digits += 1
            }
            guard digits > 0, position < bytes.count else { return false }
            if bytes[position] == UInt8(ascii: "}") { return true }
            guard bytes[position] == UInt8(ascii: ",") else { return false }
            position += 1
            while position < bytes.count, RequiredLiterals.isDigit(bytes[position]) { position += 1 }
            return position < bytes.count && bytes[position] == UInt8(ascii: "}")
        }

        /// Whether `{` at the current index, not a quantifier here, might be one in some
        /// PCRE2 version (`{,3}`, `{ 2 }`): such a pattern is not read at all.
        private func braceIsAmbiguous() -> Bool {
            guard let next = peek(1) else { return false }
            return RequiredLiterals.isDigit(next) || next == UInt8(ascii: ",") || next == 0x20
        }

    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// ASCII letter or digit: the bytes that mean something after a backslash.
    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
    }
}
