// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The parsed form of N-Code, before it is compiled to closures.
enum NCodeSyntax {
    /// A binary operator, by precedence level (see docs/ncode.md).
    enum BinaryOperator: String, Sendable {
        case add = "+"
        case subtract = "-"
        case multiply = "*"
        case divide = "/"
        case modulo = "%"
        case bitAnd = "&"
        case bitOr = "|"
        case bitXor = "^"
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessEqual = "<="
        case greater = ">"
        case greaterEqual = ">="
        case inside = "inside"
        case and = "&&"
        case or = "||"
    }

    enum UnaryOperator: Sendable {
        case not
        case negate
    }

    struct Expression: Sendable {
        indirect enum Kind: Sendable {
            case literal(NCodeValue)
            case global(String)
            case local(String)
            case argument(Int)
            case argumentCount
            case field(String, String)
            case index(Expression, Expression)
            case call(String, [Expression])
            case unary(UnaryOperator, Expression)
            case binary(BinaryOperator, Expression, Expression)
            case assign(Expression, Expression)
            case list([Expression])
        }
        var kind: Kind
        var line: Int
        var column: Int
        /// Height of the tree below and including this node.
        var depth = 1

        init(kind: Kind, line: Int, column: Int) {
            self.kind = kind
            self.line = line
            self.column = column
        }
    }

    struct Statement: Sendable {
        indirect enum Kind: Sendable {
            case block([Statement])
            case expression(Expression)
            case ifElse(Expression, Statement, Statement?)
            case whileLoop(Expression, Statement)
            case foreach(String, Expression, Statement)
            case breakLoop
            case continueLoop
            case returnValue(Expression?)
            case record([Expression], Expression)
            case declare(String)
        }
        var kind: Kind
        var line: Int
        var column: Int
    }

    struct FilterArgument: Sendable {
        var key: String
        var value: Expression?
        var line: Int
        var column: Int
    }

    enum TopLevel: Sendable {
        case statement(Statement)
        case function(name: String, body: Statement, line: Int, column: Int)
        case filter(name: String, layer: String, arguments: [FilterArgument], body: Statement, line: Int, column: Int)
    }
}
