// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A reason why a configuration file is not usable; the program does not start with it.
///
/// Every error names the file, and the line and key when one line is at fault, so that its
/// ``description`` reads like
/// `/etc/M-ICE/dataforwarder.conf:12: [MISC] key "SHMSIZE": wrong type: expected a decimal integer, found "10k"`.
/// Extensible in the ServiceLifecycle style: new codes can be added without breaking callers.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case unreadable, syntax, unterminatedQuote, unterminatedList, invalidEncoding
            case keyOutsideSection, duplicateSection, unknownSection, unknownKey, misplacedKey
            case wrongType, invalidValue, missingKey, listLengthMismatch
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The file could not be read (missing, a directory, no permission, too large).
        public static let unreadable = Code(.unreadable)
        /// A line is neither a section header, an assignment, a list item, a comment nor empty.
        public static let syntax = Code(.syntax)
        /// A quoted value has no closing quote on its line.
        public static let unterminatedQuote = Code(.unterminatedQuote)
        /// A `KEY = {` list has no closing `}` before the end of the file.
        public static let unterminatedList = Code(.unterminatedList)
        /// A line is not valid UTF-8.
        public static let invalidEncoding = Code(.invalidEncoding)
        /// An assignment comes before the first `[SECTION]` line.
        public static let keyOutsideSection = Code(.keyOutsideSection)
        /// A section name occurs twice (names compare case-insensitively).
        public static let duplicateSection = Code(.duplicateSection)
        /// A section that the schema does not know.
        public static let unknownSection = Code(.unknownSection)
        /// A key that no section of the schema knows.
        public static let unknownKey = Code(.unknownKey)
        /// A key that the schema knows, but in another section.
        public static let misplacedKey = Code(.misplacedKey)
        /// A value that does not have the key's type (a word for a number, a list for a string, ...).
        public static let wrongType = Code(.wrongType)
        /// A value of the right type that is out of range or contradicts another key.
        public static let invalidValue = Code(.invalidValue)
        /// A required key is absent.
        public static let missingKey = Code(.missingKey)
        /// Parallel lists (the BufferDaemon's BINDTO, PORT, ...) differ in length.
        public static let listLengthMismatch = Code(.listLengthMismatch)

        public var description: String {
            switch base {
            case .unreadable: return "unreadable"
            case .syntax: return "syntax error"
            case .unterminatedQuote: return "unterminated quote"
            case .unterminatedList: return "unterminated list"
            case .invalidEncoding: return "invalid encoding"
            case .keyOutsideSection: return "key outside a section"
            case .duplicateSection: return "duplicate section"
            case .unknownSection: return "unknown section"
            case .unknownKey: return "unknown key"
            case .misplacedKey: return "key in the wrong section"
            case .wrongType: return "wrong type"
            case .invalidValue: return "invalid value"
            case .missingKey: return "missing key"
            case .listLengthMismatch: return "list length mismatch"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The configuration file as the caller named it.
    public var file: String
    /// The 1-based line at fault, when one line is.
    public var line: Int?
    /// The section (as the schema spells it, or as written when unknown), when one is at fault.
    public var section: String?
    /// The key (as the schema spells it, or as written when unknown), when one is at fault.
    public var key: String?
    /// Human-readable detail: what was expected and what was found.
    public var detail: String

    public init(
        _ code: Code, file: String, line: Int? = nil, section: String? = nil, key: String? = nil, _ detail: String
    ) {
        self.code = code
        self.file = file
        self.line = line
        self.section = section
        self.key = key
        self.detail = detail
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ":"
        if let section { text += " [\(section)]" }
        if let key { text += " key \"\(key)\":" } else if section != nil { text += ":" }
        return text + " \(code): \(detail)"
    }
}
