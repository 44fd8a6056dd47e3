// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A compile-time problem in N-Code source: where it is (file, line, column) and what is wrong.
///
/// Printed as `path:line:column: detail`, the form editors and `micectl nfr test` use.
public struct NCodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case syntax, badLiteral, unterminatedString, tooDeep, unknownFunction, unknownField, badArguments
            case badFilter
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A token where the grammar expects something else (a missing `;`, a stray character).
        public static let syntax = Code(.syntax)
        /// A number, host or network literal that does not fit (too large, an octet above 255).
        public static let badLiteral = Code(.badLiteral)
        /// A string or character literal without its closing quote on the same line.
        public static let unterminatedString = Code(.unterminatedString)
        /// Expressions, blocks or lists nested deeper than the parser allows.
        public static let tooDeep = Code(.tooDeep)
        /// A call to a name that is neither a built-in nor a `func` of the program.
        public static let unknownFunction = Code(.unknownFunction)
        /// A packet or system field (`ip.foo`) that does not exist.
        public static let unknownField = Code(.unknownField)
        /// A built-in called with the wrong number of arguments.
        public static let badArguments = Code(.badArguments)
        /// A `filter` with an unknown layer or a duplicate name.
        public static let badFilter = Code(.badFilter)

        public var description: String {
            switch base {
            case .syntax: return "syntax error"
            case .badLiteral: return "bad literal"
            case .unterminatedString: return "unterminated string"
            case .tooDeep: return "nesting too deep"
            case .unknownFunction: return "unknown function"
            case .unknownField: return "unknown field"
            case .badArguments: return "bad arguments"
            case .badFilter: return "bad filter"
            }
        }
    }

    /// What kind of problem.
    public var code: Code
    /// The human-readable message (`expected ';' after the statement, found 'echo'`).
    public var detail: String
    /// The source's path, as given in ``NCodeSource/path``.
    public var path: String
    /// 1-based line.
    public var line: Int
    /// 1-based column, counted in bytes.
    public var column: Int

    public init(_ code: Code, _ detail: String, path: String, line: Int, column: Int) {
        self.code = code
        self.detail = detail
        self.path = path
        self.line = line
        self.column = column
    }

    public var description: String { "\(path):\(line):\(column): \(detail)" }
}
