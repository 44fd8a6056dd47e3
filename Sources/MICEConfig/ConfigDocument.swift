// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#endif

/// A configuration file in the INI syntax of the original M-ICE (parsecfg 3.6.6), parsed but not
/// yet checked against a ``ConfigSchema``.
///
/// The syntax:
/// - `[SECTION]` starts a section; names compare case-insensitively; a repeated name is an error,
///   and so is an assignment before the first section.
/// - `KEY = VALUE` assigns; keys compare case-insensitively; blanks and tabs around `=` are allowed.
/// - A value is unquoted (it ends at a blank, a tab, `#` or the end of the line) or in single or
///   double quotes (it may then hold blanks and `#`; there are no escapes). After the value only
///   blanks and a `#` comment may follow.
/// - `KEY = {` starts a list with one value per line up to a line holding `}`.
/// - `#` starts a comment; empty lines are ignored; a CR before the line feed is ignored.
public struct ConfigDocument: Sendable, Hashable {
    /// One value as written, with the line it is on.
    public struct Value: Sendable, Hashable {
        /// The value without its quotes.
        public var text: String
        /// The 1-based line of the value.
        public var line: Int
        /// Whether the value was in quotes.
        public var wasQuoted: Bool

        public init(text: String, line: Int, wasQuoted: Bool = false) {
            self.text = text
            self.line = line
            self.wasQuoted = wasQuoted
        }
    }

    /// One assignment: `KEY = VALUE` or `KEY = {` list `}`.
    public struct Entry: Sendable, Hashable {
        /// The key as written.
        public var key: String
        /// The 1-based line of the key.
        public var line: Int
        /// The values: one for `KEY = VALUE`, any number for a `{ }` list.
        public var values: [Value]
        /// Whether the values came from a `{ }` list.
        public var isList: Bool

        /// The key in upper case, as keys compare.
        public var canonicalKey: String { key.uppercased() }

        public init(key: String, line: Int, values: [Value], isList: Bool = false) {
            self.key = key
            self.line = line
            self.values = values
            self.isList = isList
        }
    }

    /// One `[SECTION]` with its assignments in file order.
    public struct Section: Sendable, Hashable {
        /// The name as written between the brackets.
        public var name: String
        /// The 1-based line of the header.
        public var line: Int
        /// The assignments in file order.
        public var entries: [Entry]

        /// The name in upper case, as section names compare.
        public var canonicalName: String { name.uppercased() }

        public init(name: String, line: Int, entries: [Entry] = []) {
            self.name = name
            self.line = line
            self.entries = entries
        }
    }

    /// The file as the caller named it (used in every error message).
    public var file: String
    /// The sections in file order.
    public var sections: [Section]

    public init(file: String, sections: [Section]) {
        self.file = file
        self.sections = sections
    }

    /// The largest configuration file accepted (1 MiB); the original's files are a few KiB.
    public static let maximumFileSize = 1 << 20

    /// Parses configuration text.
    /// - Parameters:
    ///   - bytes: The file's contents.
    ///   - file: The name used in error messages.
    /// - Throws: ``ConfigError`` naming the file and line.
    public static func parse(_ bytes: some Collection<UInt8>, file: String) throws(ConfigError) -> ConfigDocument {
        var parser = ConfigParser(file: file)
        return try parser.parse(Array(bytes))
    }

    /// Parses configuration text given as a string.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> ConfigDocument {
        try parse(Array(text.utf8), file: file)
    }

    /// Reads and parses a configuration file.
    /// - Throws: ``ConfigError`` (``ConfigError/Code/unreadable`` when the file cannot be read).
    public static func load(path: String) throws(ConfigError) -> ConfigDocument {
        try parse(readFile(path), file: path)
    }

    static func readFile(_ path: String) throws(ConfigError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            throw ConfigError(.unreadable, file: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ConfigError(.unreadable, file: path, "not a regular file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ConfigError(.unreadable, file: path, "read failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > maximumFileSize {
                throw ConfigError(.unreadable, file: path, "larger than \(maximumFileSize) bytes")
            }
        }
        return bytes
    }
}
