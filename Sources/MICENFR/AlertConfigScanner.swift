// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The tokenizer of `.acf` files: words, quoted strings, `{`, `}`, `=` and `;`, with `#` comments.
struct AlertConfigScanner {
    enum Kind: Hashable, CustomStringConvertible {
        case word(String)
        case string(String)
        case open, close, equals, semicolon

        var description: String {
            switch self {
            case .word(let word): return "\"\(word)\""
            case .string(let text): return "the string \"\(text)\""
            case .open: return "'{'"
            case .close: return "'}'"
            case .equals: return "'='"
            case .semicolon: return "';'"
            }
        }
    }

    struct Token {
        var kind: Kind
        var line: Int
    }

    /// `key = value ... ;` inside a section.
    struct Assignment: Hashable, Sendable {
        var key: String
        /// The value's words and strings in order.
        var values: [String]
        var line: Int
        /// The values joined by one space.
        var text: String { values.joined(separator: " ") }
    }

    let path: String
    private let bytes: [UInt8]
    private var position = 0
    private var line = 1

    init(path: String, text: String) {
        self.path = path
        self.bytes = Array(text.utf8)
    }

    mutating func next() throws(NFRError) -> Token? {
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\n") {
                line += 1
                position += 1
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
                position += 1
            } else if byte == UInt8(ascii: "#") {
                while position < bytes.count, bytes[position] != UInt8(ascii: "\n") { position += 1 }
            } else {
                break
            }
        }
        guard position < bytes.count else { return nil }
        let start = line
        let byte = bytes[position]
        switch byte {
        case UInt8(ascii: "{"):
            position += 1
            return Token(kind: .open, line: start)
        case UInt8(ascii: "}"):
            position += 1
            return Token(kind: .close, line: start)
        case UInt8(ascii: "="):
            position += 1
            return Token(kind: .equals, line: start)
        case UInt8(ascii: ";"):
            position += 1
            return Token(kind: .semicolon, line: start)
        case UInt8(ascii: "\""):
            position += 1
            var text: [UInt8] = []
            while true {
                guard position < bytes.count else {
                    throw NFRError(.syntax, file: path, line: start, "unterminated string")
                }
                let next = bytes[position]
                position += 1
                if next == UInt8(ascii: "\"") { break }
                if next == UInt8(ascii: "\n") { line += 1 }
                if next == UInt8(ascii: "\\"), position < bytes.count {
                    text.append(bytes[position])
                    position += 1
                    continue
                }
                text.append(next)
            }
            return Token(kind: .string(String(decoding: text, as: UTF8.self)), line: start)
        default:
            let from = position
            while position < bytes.count, Self.isWordByte(bytes[position]) { position += 1 }
            guard position > from else {
                throw NFRError(
                    .syntax, file: path, line: start, "unexpected character '\(Character(Unicode.Scalar(byte)))'")
            }
            return Token(kind: .word(String(decoding: bytes[from..<position], as: UTF8.self)), line: start)
        }
    }

    /// `NAME { ... }` after a section keyword.
    mutating func namedSection(kind: String) throws(NFRError) -> (String, [Assignment]) {
        guard let token = try next(), case .word(let name) = token.kind else {
            throw NFRError(.syntax, file: path, line: line, "\(kind) needs a name")
        }
        return (name, try section(name: name))
    }

    /// `{ key = value; ... }`.
    mutating func section(name: String?) throws(NFRError) -> [Assignment] {
        guard let open = try next(), open.kind == .open else {
            throw NFRError(.syntax, file: path, line: line, "expected '{' after \(name ?? "acfhdr")")
        }
        var assignments: [Assignment] = []
        while true {
            guard let token = try next() else {
                throw NFRError(.syntax, file: path, line: open.line, "section \(name ?? "acfhdr") is not closed")
            }
            if token.kind == .close { return assignments }
            guard case .word(let key) = token.kind else {
                throw NFRError(.syntax, file: path, line: token.line, "expected a key, found \(token.kind)")
            }
            guard let equals = try next(), equals.kind == .equals else {
                throw NFRError(.syntax, file: path, line: token.line, "expected '=' after \(key)")
            }
            var values: [String] = []
            while true {
                guard let value = try next() else {
                    throw NFRError(.syntax, file: path, line: token.line, "\(key): missing ';'")
                }
                switch value.kind {
                case .semicolon:
                    assignments.append(Assignment(key: key, values: values, line: token.line))
                case .word(let word), .string(let word):
                    values.append(word)
                    continue
                default:
                    throw NFRError(.syntax, file: path, line: value.line, "\(key): expected ';', found \(value.kind)")
                }
                break
            }
        }
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"),
            UInt8(ascii: "@"), UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "+"):
            return true
        default:
            return byte >= 0x80
        }
    }
}
