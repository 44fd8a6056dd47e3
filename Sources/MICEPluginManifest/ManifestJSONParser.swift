// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

/// A strict RFC 8259 parser that turns manifest bytes into a ``JSONValue`` and says where it failed.
///
/// Written here rather than taken from Foundation because a manifest error must name the line and
/// column, integers must stay integers, and a key given twice must be reported (a dictionary-based
/// decoder silently keeps one of them).
struct ManifestJSONParser {
    /// A syntax error, at a byte offset of the input.
    struct Failure: Error {
        var message: String
        var offset: Int
    }

    /// A member name that occurs twice in one object.
    struct DuplicateKey {
        /// Key path of the repeated member, e.g. `timeouts.startSeconds`.
        var path: String
        /// Byte offset of the second occurrence.
        var offset: Int
    }

    /// Deepest nesting accepted; manifests are a few levels deep, and this bounds the recursion.
    static let maximumDepth = 64

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    private var path: [ManifestKeyPath.Component] = []
    /// Keys given twice, in document order.
    private(set) var duplicateKeys: [DuplicateKey] = []

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses the whole input as one JSON value.
    mutating func parse() throws(Failure) -> JSONValue {
        // A UTF-8 byte order mark is allowed (RFC 8259 section 8.1 lets parsers ignore it).
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        skipWhitespace()
        if index == bytes.count { throw Failure(message: "the file is empty", offset: index) }
        let value = try parseValue()
        skipWhitespace()
        if index < bytes.count {
            throw Failure(
                message: "unexpected \(describe(bytes[index])) after the end of the JSON value", offset: index)
        }
        return value
    }

    /// Line and column (both from 1) of a byte offset; the column counts characters, not bytes.
    static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for byte in bytes.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    // MARK: - Values

    private mutating func parseValue() throws(Failure) -> JSONValue {
        guard index < bytes.count else {
            throw Failure(message: "unexpected end of file, expected a value", offset: index)
        }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw Failure(message: "unexpected \(describe(bytes[index])), expected a value", offset: index)
        }
    }

    private mutating func parseObject() throws(Failure) -> JSONValue {
        try enterContainer()
        index += 1
        var object: [String: JSONValue] = [:]
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else {
                let hint = peek() == UInt8(ascii: "}") ? " (a comma after the last member?)" : ""
                throw Failure(
                    message: "expected a member name in double quotes, found \(describeNext())\(hint)", offset: index)
            }
            let keyOffset = index
            let key = try parseString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else {
                throw Failure(message: "expected ':' after the member name, found \(describeNext())", offset: index)
            }
            index += 1
            skipWhitespace()
            path.append(.key(key))
            let value = try parseValue()
            if object.updateValue(value, forKey: key) != nil {
                duplicateKeys.append(DuplicateKey(path: ManifestKeyPath.join(path), offset: keyOffset))
            }
            path.removeLast()
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return .object(object)
            default:
                throw Failure(
                    message: "expected ',' or '}' after an object member, found \(describeNext())", offset: index)
            }
        }
    }

    private mutating func parseArray() throws(Failure) -> JSONValue {
        try enterContainer()
        index += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(array)
        }
        while true {
            skipWhitespace()
            path.append(.index(array.count))
            if peek() == UInt8(ascii: "]") {
                throw Failure(message: "expected a value, found ']' (a comma after the last element?)", offset: index)
            }
            array.append(try parseValue())
            path.removeLast()
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(array)
            default:
                throw Failure(
                    message: "expected ',' or ']' after an array element, found \(describeNext())", offset: index)
            }
        }
    }

    private mutating func enterContainer() throws(Failure) {
        depth += 1
        if depth > Self.maximumDepth {
            throw Failure(message: "nested deeper than \(Self.maximumDepth) levels", offset: index)
        }
    }

    private mutating func parseLiteral(_ word: String, _ value: JSONValue) throws(Failure) -> JSONValue {
        let utf8 = Array(word.utf8)
        guard bytes[index...].starts(with: utf8) else {
            throw Failure(message: "unexpected \(describe(bytes[index])), expected a value", offset: index)
        }
        index += utf8.count
        return value
    }

    private mutating func parseNumber() throws(Failure) -> JSONValue {
        let start = index
        var isInteger = true
        if peek() == UInt8(ascii: "-") { index += 1 }
        if peek() == UInt8(ascii: "0") {
            index += 1
            if let next = peek(), isDigit(next) {
                throw Failure(message: "a number must not start with 0", offset: start)
            }
        } else {
            guard skipDigits() > 0 else { throw Failure(message: "expected a digit", offset: index) }
        }
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard skipDigits() > 0 else {
                throw Failure(message: "expected a digit after the decimal point", offset: index)
            }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw Failure(message: "expected a digit in the exponent", offset: index) }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let value = Int64(text) { return .int(value) }
        guard let value = Double(text), value.isFinite else {
            throw Failure(message: "number \(text) is out of range", offset: start)
        }
        return .double(value)
    }

    private mutating func skipDigits() -> Int {
        let start = index
        while let byte = peek(), isDigit(byte) { index += 1 }
        return index - start
    }

    // MARK: - Strings

    private mutating func parseString() throws(Failure) -> String {
        let start = index
        index += 1
        var utf8: [UInt8] = []
        while true {
            guard let byte = peek() else { throw Failure(message: "unterminated string", offset: start) }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let string = String(validating: utf8, as: UTF8.self) else {
                    throw Failure(message: "string is not valid UTF-8", offset: start)
                }
                return string
            case UInt8(ascii: "\\"):
                index += 1
                try parseEscape(into: &utf8)
            case 0..<0x20:
                throw Failure(
                    message: "control character \(describe(byte)) in a string (write it as an escape)", offset: index)
            default:
                utf8.append(byte)
                index += 1
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(Failure) {
        guard let byte = peek() else { throw Failure(message: "unterminated string", offset: index) }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            let escapeOffset = index - 2
            var scalarValue = UInt32(try parseHex4())
            if (0xD800..<0xDC00).contains(scalarValue) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard bytes[index...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]) else {
                    throw Failure(message: "unpaired surrogate in \\u escape", offset: escapeOffset)
                }
                index += 2
                let low = UInt32(try parseHex4())
                guard (0xDC00..<0xE000).contains(low) else {
                    throw Failure(message: "unpaired surrogate in \\u escape", offset: escapeOffset)
                }
                scalarValue = 0x10000 + ((scalarValue - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(scalarValue) else {
                throw Failure(message: "unpaired surrogate in \\u escape", offset: escapeOffset)
            }
            utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw Failure(message: "invalid escape \\\(describePrintable(byte)) in a string", offset: index - 2)
        }
    }

    private mutating func parseHex4() throws(Failure) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = peek(), let digit = hexValue(byte) else {
                throw Failure(message: "expected 4 hexadecimal digits after \\u", offset: index)
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    // MARK: - Bytes

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = peek(),
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "\t")
        {
            index += 1
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private func describeNext() -> String {
        guard let byte = peek() else { return "the end of the file" }
        return describe(byte)
    }

    private func describe(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F { return "'\(describePrintable(byte))'" }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    private func describePrintable(_ byte: UInt8) -> String {
        String(UnicodeScalar(byte))
    }
}
