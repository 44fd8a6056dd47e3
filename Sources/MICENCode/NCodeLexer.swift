// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Splits N-Code text into tokens: `#` comments, decimal and `0x` integers, dotted-quad hosts
/// (octets decimal or hex), `host:mask` networks, strings, `'c'` characters, names with `:`,
/// `_:SYMBOL`, `$local`, `$1`, `$#`, operators.
struct NCodeLexer {
    private let bytes: [UInt8]
    private let path: String
    private var offset = 0
    private var line = 1
    private var lineStart = 0

    init(text: String, path: String) {
        self.bytes = Array(text.utf8)
        self.path = path
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            offset = 3
            lineStart = 3
        }
    }

    /// All tokens, ending with `.end`.
    mutating func tokenize() throws(NCodeError) -> [NCodeToken] {
        var tokens: [NCodeToken] = []
        while true {
            let token = try next()
            tokens.append(token)
            if case .end = token.kind { return tokens }
        }
    }

    private var column: Int { offset - lineStart + 1 }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        offset + ahead < bytes.count ? bytes[offset + ahead] : nil
    }

    private func error(_ code: NCodeError.Code, _ detail: String, line: Int, column: Int) -> NCodeError {
        NCodeError(code, detail, path: path, line: line, column: column)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_")
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    private mutating func skipSpaceAndComments() {
        while let byte = peek() {
            if byte == UInt8(ascii: "\n") {
                offset += 1
                line += 1
                lineStart = offset
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
                || byte == 0x0B || byte == 0x0C
            {
                offset += 1
            } else if byte == UInt8(ascii: "#") {
                while let next = peek(), next != UInt8(ascii: "\n") { offset += 1 }
            } else {
                return
            }
        }
    }

    private mutating func next() throws(NCodeError) -> NCodeToken {
        skipSpaceAndComments()
        let startLine = line
        let startColumn = column
        func token(_ kind: NCodeToken.Kind) -> NCodeToken {
            NCodeToken(kind: kind, line: startLine, column: startColumn)
        }
        guard let byte = peek() else { return token(.end) }
        if Self.isLetter(byte) {
            let name = readName()
            if name.hasPrefix("_:") { return token(.symbol(String(name.dropFirst(2)))) }
            return token(.identifier(name))
        }
        if Self.isDigit(byte) { return token(try readNumber(line: startLine, column: startColumn)) }
        if byte == UInt8(ascii: "$") {
            offset += 1
            guard let next = peek() else {
                throw error(.syntax, "expected a name, a number or '#' after '$'", line: startLine, column: startColumn)
            }
            if next == UInt8(ascii: "#") {
                offset += 1
                return token(.argumentCount)
            }
            if Self.isDigit(next) {
                var value = 0
                while let digit = peek(), Self.isDigit(digit) {
                    value = value * 10 + Int(digit - 0x30)
                    offset += 1
                    if value > 1_000_000 {
                        throw error(.badLiteral, "argument number too large", line: startLine, column: startColumn)
                    }
                }
                if value == 0 {
                    throw error(.syntax, "arguments are numbered from $1", line: startLine, column: startColumn)
                }
                return token(.argument(value))
            }
            if Self.isLetter(next) { return token(.local(readName())) }
            throw error(.syntax, "expected a name, a number or '#' after '$'", line: startLine, column: startColumn)
        }
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
            return token(.string(try readString(quote: byte, line: startLine, column: startColumn)))
        }
        let two: [String] = ["==", "!=", "<=", ">=", "&&", "||"]
        if let second = peek(1) {
            let pair = String(decoding: [byte, second], as: UTF8.self)
            if two.contains(pair) {
                offset += 2
                return token(.punct(pair))
            }
        }
        let single = "+-*/%<>=!&|^()[]{},;:."
        if byte < 0x80, single.utf8.contains(byte) {
            offset += 1
            return token(.punct(String(UnicodeScalar(byte))))
        }
        let shown = byte >= 0x20 && byte < 0x7F ? "'\(UnicodeScalar(byte))'" : "byte 0x" + String(byte, radix: 16)
        throw error(.syntax, "unexpected character \(shown)", line: startLine, column: startColumn)
    }

    /// Letters, digits, `_`, and `:` when a letter or `_` follows it (`library_schema:new`, `_:X`);
    /// so `dport: 23` and `host:mask` literals are not swallowed.
    private mutating func readName() -> String {
        let start = offset
        while let byte = peek() {
            if Self.isLetter(byte) || Self.isDigit(byte) {
                offset += 1
            } else if byte == UInt8(ascii: ":"), let after = peek(1), Self.isLetter(after) {
                offset += 1
            } else {
                break
            }
        }
        return String(decoding: bytes[start..<offset], as: UTF8.self)
    }

    /// One decimal or `0x` number, without sign; nil when it does not fit in 64 bits.
    private mutating func readInteger(line: Int, column: Int) throws(NCodeError) -> UInt64 {
        var value: UInt64 = 0
        if peek() == UInt8(ascii: "0"), let x = peek(1), x == UInt8(ascii: "x") || x == UInt8(ascii: "X") {
            offset += 2
            guard let first = peek(), Self.isHexDigit(first) else {
                throw error(.badLiteral, "expected hex digits after 0x", line: line, column: column)
            }
            while let digit = peek(), Self.isHexDigit(digit) {
                let nibble: UInt64 =
                    Self.isDigit(digit) ? UInt64(digit - 0x30) : UInt64((digit | 0x20) - UInt8(ascii: "a") + 10)
                guard value >> 60 == 0 else {
                    throw error(.badLiteral, "integer literal too large", line: line, column: column)
                }
                value = value << 4 | nibble
                offset += 1
            }
        } else {
            while let digit = peek(), Self.isDigit(digit) {
                let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowB) = times.addingReportingOverflow(UInt64(digit - 0x30))
                if overflowA || overflowB {
                    throw error(.badLiteral, "integer literal too large", line: line, column: column)
                }
                value = sum
                offset += 1
            }
        }
        if let after = peek(), Self.isLetter(after) {
            throw error(.badLiteral, "unexpected character after a number", line: line, column: column)
        }
        return value
    }

    private mutating func readNumber(line: Int, column: Int) throws(NCodeError) -> NCodeToken.Kind {
        let first = try readInteger(line: line, column: column)
        guard peek() == UInt8(ascii: "."), let after = peek(1), Self.isDigit(after) else {
            guard first <= UInt64(Int.max) else {
                throw error(.badLiteral, "integer literal too large", line: line, column: column)
            }
            return .int(Int(first))
        }
        let address = try readDottedQuad(first: first, line: line, column: column)
        if peek() == UInt8(ascii: ":"), let after = peek(1), Self.isDigit(after) {
            offset += 1
            let maskLine = self.line
            let maskColumn = self.column
            let maskFirst = try readInteger(line: maskLine, column: maskColumn)
            guard peek() == UInt8(ascii: ".") else {
                throw error(.badLiteral, "a network mask must be a dotted quad", line: maskLine, column: maskColumn)
            }
            let mask = try readDottedQuad(first: maskFirst, line: maskLine, column: maskColumn)
            return .network(address, mask)
        }
        return .host(address)
    }

    private mutating func readDottedQuad(first: UInt64, line: Int, column: Int) throws(NCodeError) -> UInt32 {
        var octets = [first]
        while octets.count < 4 {
            guard peek() == UInt8(ascii: "."), let after = peek(1), Self.isDigit(after) else {
                throw error(.badLiteral, "a host address needs four octets", line: line, column: column)
            }
            offset += 1
            octets.append(try readInteger(line: line, column: column))
        }
        if peek() == UInt8(ascii: "."), let after = peek(1), Self.isDigit(after) {
            throw error(.badLiteral, "a host address has four octets", line: line, column: column)
        }
        var address: UInt32 = 0
        for octet in octets {
            guard octet <= 255 else { throw error(.badLiteral, "octet \(octet) above 255", line: line, column: column) }
            address = address << 8 | UInt32(octet)
        }
        return address
    }

    private mutating func readString(quote: UInt8, line: Int, column: Int) throws(NCodeError) -> [UInt8] {
        offset += 1
        var out: [UInt8] = []
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n") else {
                throw error(.unterminatedString, "unterminated string", line: line, column: column)
            }
            offset += 1
            if byte == quote { return out }
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                continue
            }
            guard let escaped = peek(), escaped != UInt8(ascii: "\n") else {
                throw error(.unterminatedString, "unterminated string", line: line, column: column)
            }
            offset += 1
            switch escaped {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "0"): out.append(0x00)
            case UInt8(ascii: "x"):
                var value: UInt8 = 0
                var digits = 0
                while digits < 2, let digit = peek(), Self.isHexDigit(digit) {
                    value = value << 4 | (Self.isDigit(digit) ? digit - 0x30 : (digit | 0x20) - UInt8(ascii: "a") + 10)
                    offset += 1
                    digits += 1
                }
                out.append(digits == 0 ? UInt8(ascii: "x") : value)
            default: out.append(escaped)
            }
        }
    }
}
