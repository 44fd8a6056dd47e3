// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A ruleset that cannot be loaded, naming the file and line.
public struct AnalysisError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case unreadable, syntax, invalidPattern, invalidValue, unknownKey, missingKey, unknownFormat, matcher
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The file could not be read.
        public static let unreadable = Code(.unreadable)
        /// A line is not valid in the format.
        public static let syntax = Code(.syntax)
        /// A regular expression does not compile.
        public static let invalidPattern = Code(.invalidPattern)
        /// A value is out of its range (severity, completion, SendTo, threshold, …).
        public static let invalidValue = Code(.invalidValue)
        /// A key that the format does not know.
        public static let unknownKey = Code(.unknownKey)
        /// A required key is missing.
        public static let missingKey = Code(.missingKey)
        /// The path is none of the known ruleset formats.
        public static let unknownFormat = Code(.unknownFormat)
        /// The matcher (Hyperscan) could not be built.
        public static let matcher = Code(.matcher)

        public var description: String { kind.rawValue }
    }

    public var code: Code
    /// The file (as the caller named it).
    public var file: String
    /// The 1-based line, 0 when the error concerns the whole file.
    public var line: Int
    public var message: String

    public init(_ code: Code, file: String, line: Int, _ message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}
