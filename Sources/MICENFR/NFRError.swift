// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An error in an NFR home: a package or backend file (`.cfg`, `.acf`), a recorder's data, or a
/// capture the engine was asked to read. Names the file and, where known, the line and key.
public struct NFRError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case unreadable, syntax, missingKey, invalidValue, unknownName, duplicate, badData
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A file or folder could not be read or written.
        public static let unreadable = Code(.unreadable)
        /// The file does not follow its grammar.
        public static let syntax = Code(.syntax)
        /// A required key or section is absent.
        public static let missingKey = Code(.missingKey)
        /// A key's value is out of range or of the wrong type.
        public static let invalidValue = Code(.invalidValue)
        /// A name (section, key, alert, rule, backend) that nothing defines.
        public static let unknownName = Code(.unknownName)
        /// Something that must be defined once was defined again.
        public static let duplicate = Code(.duplicate)
        /// Recorded data that does not decode.
        public static let badData = Code(.badData)

        public var description: String {
            switch base {
            case .unreadable: return "unreadable"
            case .syntax: return "syntax error"
            case .missingKey: return "missing key"
            case .invalidValue: return "invalid value"
            case .unknownName: return "unknown name"
            case .duplicate: return "duplicate"
            case .badData: return "bad data"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The file concerned.
    public var file: String
    /// The 1-based line, when known.
    public var line: Int?
    /// Human-readable detail.
    public var detail: String

    public init(_ code: Code, file: String, line: Int? = nil, _ detail: String) {
        self.code = code
        self.file = file
        self.line = line
        self.detail = detail
    }

    public var description: String {
        if let line { return "\(file):\(line): \(code): \(detail)" }
        return "\(file): \(code): \(detail)"
    }
}
