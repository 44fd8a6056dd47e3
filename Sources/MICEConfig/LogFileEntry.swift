// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// One `FILE` entry of the DataForwarder's `[LOGFILE_LIST]`: `"file: /var/log/messages"`.
public struct LogFileEntry: Sendable, Hashable {
    /// The type tag.
    public var tag: LogFileTag
    /// The absolute path of the file (or character device or FIFO).
    public var path: String
    /// The 1-based line of the entry in its configuration file (nil when built in code).
    public var line: Int?

    public init(tag: LogFileTag, path: String, line: Int? = nil) {
        self.tag = tag
        self.path = path
        self.line = line
    }

    /// Parses an entry's text: a tag, a colon, optional blanks, an absolute path.
    ///
    /// The original searched the tag anywhere in the text and took the path from the first `/`;
    /// here the text must be exactly `tag: /path`, so a typo is an error instead of an unreadable file.
    /// - Returns: The entry, or a description of what is wrong.
    public static func parse(_ text: String, line: Int? = nil) -> Result<LogFileEntry, EntryError> {
        guard let colon = text.firstIndex(of: ":") else {
            return .failure(EntryError(detail: "\"\(text)\" has no type tag; write e.g. \"file: \(text)\""))
        }
        let tagText = text[..<colon].trimmingBlanks().lowercased()
        guard let tag = LogFileTag(rawValue: tagText) else {
            let known = LogFileTag.allCases.map(\.description).joined(separator: ", ")
            return .failure(EntryError(detail: "unknown type tag \"\(tagText):\" (known: \(known))"))
        }
        let path = String(text[text.index(after: colon)...].trimmingBlanks())
        guard path.hasPrefix("/") else {
            return .failure(EntryError(detail: "the path after \"\(tag)\" must be absolute, found \"\(path)\""))
        }
        guard !path.utf8.contains(0) else {
            return .failure(EntryError(detail: "the path contains a NUL byte"))
        }
        return .success(LogFileEntry(tag: tag, path: path, line: line))
    }

    /// Why a FILE entry's text does not parse.
    public struct EntryError: Error, Hashable, Sendable {
        /// What is wrong.
        public var detail: String
    }
}

extension Substring {
    func trimmingBlanks() -> Substring {
        var slice = self
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return slice
    }
}
