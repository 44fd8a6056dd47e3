// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The line scanner behind ``ConfigDocument/parse(_:file:)-(Collection<UInt8>,_)``.
struct ConfigParser {
    private static let blank = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let hash = UInt8(ascii: "#")

    let file: String
    private var sections: [ConfigDocument.Section] = []
    private var seenSections: [String: Int] = [:]
    // The open `KEY = {` list, if any: the entry being filled.
    private var openList: ConfigDocument.Entry?

    init(file: String) {
        self.file = file
    }

    mutating func parse(_ bytes: [UInt8]) throws(ConfigError) -> ConfigDocument {
        var lineNumber = 0
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            var lineEnd = end
            if lineEnd > start && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            try parseLine(bytes[start..<lineEnd], number: lineNumber)
            start = end + 1
        }
        if let openList {
            throw ConfigError(
                .unterminatedList, file: file, line: openList.line, section: sections.last?.name,
                key: openList.key, "the list started here has no closing '}' line")
        }
        return ConfigDocument(file: file, sections: sections)
    }

    private mutating func parseLine(_ line: ArraySlice<UInt8>, number: Int) throws(ConfigError) {
        var index = skipBlanks(line, from: line.startIndex)
        guard index < line.endIndex, line[index] != Self.hash else { return }
        if openList != nil {
            try parseListLine(line, from: index, number: number)
            return
        }
        if line[index] == UInt8(ascii: "[") {
            try parseSectionHeader(line, from: index, number: number)
            return
        }
        // KEY
        let keyStart = index
        while index < line.endIndex && !isBlank(line[index]) && line[index] != UInt8(ascii: "=")
            && line[index] != Self.hash
        {
            index += 1
        }
        let keyBytes = line[keyStart..<index]
        guard !keyBytes.isEmpty else {
            throw syntax(number, "a line must be a [SECTION], KEY = VALUE, a comment or empty; found '='")
        }
        guard keyBytes.allSatisfy(Self.isKeyByte) else {
            throw syntax(number, "invalid character in key \"\(text(keyBytes))\" (letters, digits, '_', '-', '.')")
        }
        let key = text(keyBytes)
        guard !sections.isEmpty else {
            throw ConfigError(
                .keyOutsideSection, file: file, line: number, key: key,
                "assignments must follow a [SECTION] line")
        }
        index = skipBlanks(line, from: index)
        guard index < line.endIndex, line[index] == UInt8(ascii: "=") else {
            throw ConfigError(.syntax, file: file, line: number, key: key, "expected '=' after the key")
        }
        index = skipBlanks(line, from: index + 1)
        guard index < line.endIndex, line[index] != Self.hash else {
            throw ConfigError(.syntax, file: file, line: number, key: key, "missing value (write \"\" for empty)")
        }
        if line[index] == UInt8(ascii: "{") {
            guard isRestEmpty(line, from: index + 1) else {
                throw ConfigError(
                    .syntax, file: file, line: number, key: key,
                    "after '{' the list values go on the following lines, one per line, up to a '}' line")
            }
            openList = ConfigDocument.Entry(key: key, line: number, values: [], isList: true)
            return
        }
        let value = try parseValue(line, from: index, number: number, key: key)
        sections[sections.count - 1].entries.append(ConfigDocument.Entry(key: key, line: number, values: [value]))
    }

    private mutating func parseSectionHeader(
        _ line: ArraySlice<UInt8>, from start: Int, number: Int
    ) throws(ConfigError) {
        guard let close = line[start...].firstIndex(of: UInt8(ascii: "]")) else {
            throw syntax(number, "section header without ']'")
        }
        guard isRestEmpty(line, from: close + 1) else {
            throw syntax(number, "only a comment may follow a section header")
        }
        let nameBytes = trimmed(line[(start + 1)..<close])
        guard !nameBytes.isEmpty else { throw syntax(number, "empty section name") }
        let name = try decode(nameBytes, number: number)
        if let first = seenSections[name.uppercased()] {
            throw ConfigError(
                .duplicateSection, file: file, line: number, section: name,
                "section already started on line \(first)")
        }
        seenSections[name.uppercased()] = number
        sections.append(ConfigDocument.Section(name: name, line: number))
    }

    private mutating func parseListLine(
        _ line: ArraySlice<UInt8>, from start: Int, number: Int
    ) throws(ConfigError) {
        guard var list = openList else { return }
        if line[start] == UInt8(ascii: "}") {
            guard isRestEmpty(line, from: start + 1) else {
                throw ConfigError(
                    .syntax, file: file, line: number, key: list.key, "only a comment may follow the closing '}'")
            }
            sections[sections.count - 1].entries.append(list)
            openList = nil
            return
        }
        list.values.append(try parseValue(line, from: start, number: number, key: list.key))
        openList = list
    }

    private func parseValue(
        _ line: ArraySlice<UInt8>, from start: Int, number: Int, key: String
    ) throws(ConfigError) -> ConfigDocument.Value {
        let first = line[start]
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            guard let close = line[(start + 1)...].firstIndex(of: first) else {
                throw ConfigError(
                    .unterminatedQuote, file: file, line: number, key: key,
                    "the value opened with \(first == UInt8(ascii: "\"") ? "\"" : "'") has no closing quote")
            }
            guard isRestEmpty(line, from: close + 1) else {
                throw ConfigError(
                    .syntax, file: file, line: number, key: key, "only a comment may follow the closing quote")
            }
            return ConfigDocument.Value(
                text: try decode(line[(start + 1)..<close], number: number), line: number, wasQuoted: true)
        }
        var end = start
        while end < line.endIndex && !isBlank(line[end]) && line[end] != Self.hash { end += 1 }
        guard isRestEmpty(line, from: end) else {
            throw ConfigError(
                .syntax, file: file, line: number, key: key,
                "text after the value \"\(text(line[start..<end]))\"; quote a value that holds blanks")
        }
        return ConfigDocument.Value(text: try decode(line[start..<end], number: number), line: number)
    }

    // MARK: - Helpers

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }

    private func isBlank(_ byte: UInt8) -> Bool { byte == Self.blank || byte == Self.tab }

    private func skipBlanks(_ line: ArraySlice<UInt8>, from start: Int) -> Int {
        var index = start
        while index < line.endIndex && isBlank(line[index]) { index += 1 }
        return index
    }

    private func isRestEmpty(_ line: ArraySlice<UInt8>, from start: Int) -> Bool {
        let index = skipBlanks(line, from: start)
        return index == line.endIndex || line[index] == Self.hash
    }

    private func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, isBlank(first) { slice = slice.dropFirst() }
        while let last = slice.last, isBlank(last) { slice = slice.dropLast() }
        return slice
    }

    private func decode(_ bytes: ArraySlice<UInt8>, number: Int) throws(ConfigError) -> String {
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(.invalidEncoding, file: file, line: number, "the line is not valid UTF-8")
        }
        return string
    }

    private func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    private func syntax(_ number: Int, _ detail: String) -> ConfigError {
        ConfigError(.syntax, file: file, line: number, detail)
    }
}
