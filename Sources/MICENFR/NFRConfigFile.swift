// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A package's or backend's `.cfg` file: `key=value` lines, `#` comments, blank lines.
///
/// Keys are kept in file order and unknown keys are kept too (NFR's GUI read keys the engine did
/// not); a later line with the same key replaces the earlier value. A line without `=` is an
/// error naming its line. Values are taken verbatim after trimming blanks; a value in double
/// quotes loses its quotes.
public struct NFRConfigFile: Hashable, Sendable {
    /// One `key=value` line.
    public struct Entry: Hashable, Sendable {
        /// The key, as written.
        public var key: String
        /// The value, trimmed, without surrounding quotes.
        public var value: String
        /// The 1-based line it came from.
        public var line: Int
    }

    /// The file's path, for messages.
    public let path: String
    /// The entries in file order (a repeated key keeps its last value, at its first position).
    public private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]

    /// Parses the text of a `.cfg` file.
    public init(path: String, text: String) throws(NFRError) {
        self.path = path
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingBlanks()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw NFRError(.syntax, file: path, line: lineNumber, "expected key=value, found \"\(line)\"")
            }
            let key = line[..<equals].trimmingBlanks()
            guard !key.isEmpty else {
                throw NFRError(.syntax, file: path, line: lineNumber, "a key is missing before '='")
            }
            var value = line[line.index(after: equals)...].trimmingBlanks()
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            let entry = Entry(key: key, value: value, line: lineNumber)
            if let at = index[key] {
                entries[at] = entry
            } else {
                index[key] = entries.count
                entries.append(entry)
            }
        }
    }

    /// Reads and parses a `.cfg` file.
    public init(contentsOf path: String) throws(NFRError) {
        let text = try NFRFiles.readText(path)
        try self.init(path: path, text: text)
    }

    /// The entry of a key, if present.
    public func entry(_ key: String) -> Entry? {
        index[key].map { entries[$0] }
    }

    /// The value of a key, if present.
    public subscript(key: String) -> String? {
        entry(key)?.value
    }

    /// A boolean key: `true`, `yes`, `on`, `1` or `false`, `no`, `off`, `0` (any case); absent is
    /// `defaultValue`; anything else is an error naming the line.
    public func bool(_ key: String, default defaultValue: Bool) throws(NFRError) -> Bool {
        guard let entry = entry(key) else { return defaultValue }
        switch entry.value.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default:
            throw NFRError(
                .invalidValue, file: path, line: entry.line, "\(key) must be true or false, found \"\(entry.value)\"")
        }
    }

    /// An integer key within `range`; absent is nil.
    public func int(_ key: String, in range: ClosedRange<Int> = Int.min...Int.max) throws(NFRError) -> Int? {
        guard let entry = entry(key) else { return nil }
        guard let value = Int(entry.value), range.contains(value) else {
            throw NFRError(
                .invalidValue, file: path, line: entry.line,
                "\(key) must be an integer in \(range.lowerBound)...\(range.upperBound), found \"\(entry.value)\"")
        }
        return value
    }

    /// Whether the package or backend is enabled (`enabled`, default true; the seed writes
    /// `enabled=true` or `enabled=false`, NFR also `enabled=1`).
    public func isEnabled() throws(NFRError) -> Bool {
        try bool("enabled", default: true)
    }

    /// The title shown to operators; nil when commented out (the seed's way to hide a backend).
    public var title: String? { self["title"] }
}

extension Substring {
    func trimmingBlanks() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" || first == "\r" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" { slice = slice.dropLast() }
        return String(slice)
    }
}

extension String {
    func trimmingBlanks() -> String { self[...].trimmingBlanks() }
}
