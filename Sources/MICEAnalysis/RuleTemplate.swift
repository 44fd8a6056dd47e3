// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A value with references to captures: `$1` (numbered group), `$name` or `${name}` (named group).
public struct RuleTemplate: Sendable, Hashable, CustomStringConvertible {
    /// One piece of a template.
    public enum Part: Sendable, Hashable {
        case literal(String)
        case group(Int)
        case named(String)
    }

    public var parts: [Part]

    public init(parts: [Part]) { self.parts = parts }

    /// Parses `text`; with `namedReferences` false only `$N` counts (prelude-lml syntax).
    public init(parsing text: String, namedReferences: Bool) {
        var parts: [Part] = []
        var literal: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        func flush() {
            if !literal.isEmpty { parts.append(.literal(String(decoding: literal, as: UTF8.self))) }
            literal.removeAll()
        }
        func isWord(_ byte: UInt8) -> Bool {
            (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
                || (byte >= 0x30 && byte <= 0x39)
        }
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "$"), index + 1 < bytes.count else {
                literal.append(byte)
                index += 1
                continue
            }
            let next = bytes[index + 1]
            if next >= 0x30 && next <= 0x39 {
                var end = index + 1
                var number = 0
                while end < bytes.count, bytes[end] >= 0x30, bytes[end] <= 0x39, number < 1000 {
                    number = number * 10 + Int(bytes[end] - 0x30)
                    end += 1
                }
                flush()
                parts.append(.group(number))
                index = end
            } else if namedReferences, next == UInt8(ascii: "{"),
                let close = bytes[(index + 2)...].firstIndex(of: UInt8(ascii: "}"))
            {
                flush()
                parts.append(.named(String(decoding: bytes[(index + 2)..<close], as: UTF8.self)))
                index = close + 1
            } else if namedReferences, isWord(next) {
                var end = index + 1
                while end < bytes.count, isWord(bytes[end]) { end += 1 }
                flush()
                parts.append(.named(String(decoding: bytes[(index + 1)..<end], as: UTF8.self)))
                index = end
            } else {
                literal.append(byte)
                index += 1
            }
        }
        flush()
        self.parts = parts
    }

    /// Whether the template has no references.
    public var isConstant: Bool { parts.allSatisfy { if case .literal = $0 { true } else { false } } }

    /// The text with references replaced; nil when a referenced group did not take part
    /// (prelude-lml then leaves the field unset).
    public func resolve(_ captures: RuleCaptures) -> String? {
        if parts.count == 1, case .literal(let text) = parts[0] { return text }
        var result = ""
        for part in parts {
            switch part {
            case .literal(let text): result += text
            case .group(let number):
                guard let value = captures.group(number) else { return nil }
                result += value
            case .named(let name):
                guard let value = captures.named(name) else { return nil }
                result += value
            }
        }
        return result
    }

    public var description: String {
        parts.map { part in
            switch part {
            case .literal(let text): text
            case .group(let number): "$\(number)"
            case .named(let name): "${\(name)}"
            }
        }.joined()
    }
}

/// The captured groups of a rule's patterns on one line, numbered across the patterns in order
/// (as prelude-lml numbers them when a rule has several regexes).
public struct RuleCaptures {
    /// The line.
    public let line: UnsafeRawBufferPointer
    /// Byte range of group N at index N-1.
    public var groups: [Range<Int>?] = []
    /// Byte range of each named group.
    public var names: [String: Range<Int>] = [:]

    public init(line: UnsafeRawBufferPointer) { self.line = line }

    func text(_ range: Range<Int>) -> String {
        IDMEFTextShim.string(UnsafeRawBufferPointer(rebasing: line[range]))
    }

    /// Group `number` (1-based), nil when it did not take part.
    public func group(_ number: Int) -> String? {
        guard number >= 1, number <= groups.count, let range = groups[number - 1] else {
            return number == 0 ? text(0..<line.count) : nil
        }
        return text(range)
    }

    /// The named group, nil when it did not take part.
    public func named(_ name: String) -> String? {
        names[name].map(text)
    }
}

/// Bytes to text for field values (invalid UTF-8 becomes U+FFFD; the XML writer sanitises the rest).
enum IDMEFTextShim {
    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
