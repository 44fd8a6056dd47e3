// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Recursive-descent parser for one N-Code file. Precedence, loosest first: `=` (right to left);
/// `&&` `||`; comparisons and `inside`; arithmetic and bitwise `+ - * / % & | ^`; unary `!` `-`.
/// Each binary level is left to right with no precedence inside it (docs/ncode.md).
struct NCodeParser {
    typealias Expression = NCodeSyntax.Expression
    typealias Statement = NCodeSyntax.Statement

    private let tokens: [NCodeToken]
    private let path: String
    private var position = 0
    private var nesting = 0

    /// Keywords that cannot name a global.
    static let keywords: Set<String> = [
        "if", "else", "while", "foreach", "break", "continue", "return", "record", "inside", "filter", "func",
        "declare", "null",
    ]

    /// The most deeply an expression tree may nest (long `a + b + c ...` chains count).
    static let maxExpressionDepth = 400

    init(source: NCodeSource) throws(NCodeError) {
        var lexer = NCodeLexer(text: source.text, path: source.path)
        self.tokens = try lexer.tokenize()
        self.path = source.path
    }

    /// The whole file.
    mutating func parseProgram() throws(NCodeError) -> [NCodeSyntax.TopLevel] {
        var items: [NCodeSyntax.TopLevel] = []
        while !atEnd {
            if isIdentifier("filter") {
                items.append(try parseFilter())
            } else if isIdentifier("func") {
                items.append(try parseFunction())
            } else {
                items.append(.statement(try parseStatement()))
            }
        }
        return items
    }

    // MARK: - Tokens

    private var current: NCodeToken { tokens[position] }

    private var atEnd: Bool {
        if case .end = current.kind { return true }
        return false
    }

    private func isPunct(_ text: String) -> Bool {
        if case .punct(let punct) = current.kind { return punct == text }
        return false
    }

    private func isIdentifier(_ name: String) -> Bool {
        if case .identifier(let identifier) = current.kind { return identifier == name }
        return false
    }

    private mutating func advance() {
        if position < tokens.count - 1 { position += 1 }
    }

    private func error(_ detail: String, at token: NCodeToken? = nil, code: NCodeError.Code = .syntax) -> NCodeError {
        let token = token ?? current
        return NCodeError(code, detail, path: path, line: token.line, column: token.column)
    }

    private mutating func expect(_ punct: String, _ context: String) throws(NCodeError) {
        guard isPunct(punct) else { throw error("expected '\(punct)' \(context), found \(current.described)") }
        advance()
    }

    private mutating func expectName(_ what: String) throws(NCodeError) -> String {
        guard case .identifier(let name) = current.kind, !Self.keywords.contains(name) else {
            throw error("expected \(what), found \(current.described)")
        }
        advance()
        return name
    }

    private mutating func enter() throws(NCodeError) {
        nesting += 1
        if nesting > NCodeLimits.maxNesting {
            throw error("nested more than \(NCodeLimits.maxNesting) levels deep", code: .tooDeep)
        }
    }

    private mutating func leave() { nesting -= 1 }

    // MARK: - Definitions

    private mutating func parseFunction() throws(NCodeError) -> NCodeSyntax.TopLevel {
        let start = current
        advance()
        let name = try expectName("a function name after 'func'")
        if isPunct("(") {
            advance()
            try expect(")", "after '(' (a func takes its arguments as $1, $2 ...)")
        }
        guard isPunct("{") else {
            throw error("expected '{' to start the body of func \(name), found \(current.described)")
        }
        let body = try parseStatement()
        return .function(name: name, body: body, line: start.line, column: start.column)
    }

    private mutating func parseFilter() throws(NCodeError) -> NCodeSyntax.TopLevel {
        let start = current
        advance()
        let name = try expectName("a filter name after 'filter'")
        let layer = try expectName("a layer (ip, tcp, udp, icmp) after the filter name")
        try expect("(", "after the filter layer")
        var arguments: [NCodeSyntax.FilterArgument] = []
        while !isPunct(")") {
            if !arguments.isEmpty { try expect(",", "between filter arguments") }
            let token = current
            let word = try expectName("a filter argument (client, server, port: ..., dport: ...)")
            if let colon = word.firstIndex(of: ":") {
                let key = String(word[..<colon])
                let rest = String(word[word.index(after: colon)...])
                let value = Expression(kind: .global(rest), line: token.line, column: token.column)
                arguments.append(.init(key: key, value: value, line: token.line, column: token.column))
            } else if isPunct(":") {
                advance()
                let value = try parseExpression()
                arguments.append(.init(key: word, value: value, line: token.line, column: token.column))
            } else {
                arguments.append(.init(key: word, value: nil, line: token.line, column: token.column))
            }
        }
        advance()
        guard isPunct("{") else {
            throw error("expected '{' to start the body of filter \(name), found \(current.described)")
        }
        let body = try parseStatement()
        return .filter(
            name: name, layer: layer, arguments: arguments, body: body, line: start.line, column: start.column)
    }

    // MARK: - Statements

    private mutating func parseStatement() throws(NCodeError) -> Statement {
        try enter()
        defer { leave() }
        let start = current
        func make(_ kind: Statement.Kind) -> Statement { Statement(kind: kind, line: start.line, column: start.column) }
        if isPunct("{") {
            advance()
            var body: [Statement] = []
            while !isPunct("}") {
                if atEnd { throw error("expected '}' to close the block opened at line \(start.line)") }
                body.append(try parseStatement())
            }
            advance()
            return make(.block(body))
        }
        if isPunct(";") {
            advance()
            return make(.block([]))
        }
        if case .identifier(let word) = current.kind {
            switch word {
            case "if":
                advance()
                let condition = try parseCondition("if")
                let then = try parseStatement()
                var otherwise: Statement?
                if isIdentifier("else") {
                    advance()
                    otherwise = try parseStatement()
                }
                return make(.ifElse(condition, then, otherwise))
            case "else":
                throw error("'else' without 'if'")
            case "while":
                advance()
                let condition = try parseCondition("while")
                return make(.whileLoop(condition, try parseStatement()))
            case "foreach":
                advance()
                guard case .local(let name) = current.kind else {
                    throw error("expected a $ variable after 'foreach', found \(current.described)")
                }
                advance()
                guard isIdentifier("inside") else { throw error("expected 'inside' after 'foreach $\(name)'") }
                advance()
                let collection = isPunct("(") ? try parseCondition("foreach") : try parseExpression()
                return make(.foreach(name, collection, try parseStatement()))
            case "break", "continue":
                advance()
                try expect(";", "after '\(word)'")
                return make(word == "break" ? .breakLoop : .continueLoop)
            case "return":
                advance()
                if isPunct(";") {
                    advance()
                    return make(.returnValue(nil))
                }
                let value = try parseExpression()
                try expect(";", "after the return value")
                return make(.returnValue(value))
            case "record":
                advance()
                var values = [try parseExpression()]
                while isPunct(",") {
                    advance()
                    values.append(try parseExpression())
                }
                guard isIdentifier("to") else {
                    throw error("expected ',' or 'to' in the record statement, found \(current.described)")
                }
                advance()
                let target = try parseExpression()
                try expect(";", "after the record statement")
                return make(.record(values, target))
            case "declare", "global":
                advance()
                var name = ""
                switch current.kind {
                case .local(let local): name = "$" + local
                case .identifier(let identifier) where !Self.keywords.contains(identifier): name = identifier
                default: throw error("expected a variable after '\(word)', found \(current.described)")
                }
                advance()
                if isIdentifier("inside") {
                    advance()
                    _ = try parseExpression()
                }
                try expect(";", "after the \(word) statement")
                return make(.declare(name))
            case "filter", "func":
                throw error("'\(word)' is only allowed at the top level of a file")
            default: break
            }
        }
        let expression = try parseExpression()
        try expect(";", "after the statement")
        return make(.expression(expression))
    }

    private mutating func parseCondition(_ keyword: String) throws(NCodeError) -> Expression {
        try expect("(", "after '\(keyword)'")
        let condition = try parseExpression()
        try expect(")", "to close the '\(keyword)' condition")
        return condition
    }

    // MARK: - Expressions

    mutating func parseExpression() throws(NCodeError) -> Expression {
        try enter()
        defer { leave() }
        let start = current
        let target = try parseBinary(level: 0)
        guard isPunct("=") else { return target }
        switch target.kind {
        case .global, .local, .index: break
        default: throw error("the left side of '=' must be a variable or an array element", at: start)
        }
        advance()
        let value = try parseExpression()
        return try make(.assign(target, value), at: start, children: [target, value])
    }

    private func make(_ kind: Expression.Kind, at token: NCodeToken, children: [Expression]) throws(NCodeError)
        -> Expression
    {
        var expression = Expression(kind: kind, line: token.line, column: token.column)
        expression.depth = (children.map(\.depth).max() ?? 0) + 1
        if expression.depth > Self.maxExpressionDepth {
            throw error("expression nested more than \(Self.maxExpressionDepth) levels deep", at: token, code: .tooDeep)
        }
        return expression
    }

    /// The binary operator at the current token for `level` (0: logical, 1: comparison, 2: arithmetic).
    private func binaryOperator(level: Int) -> NCodeSyntax.BinaryOperator? {
        if level == 1, isIdentifier("inside") { return .inside }
        guard case .punct(let text) = current.kind, let op = NCodeSyntax.BinaryOperator(rawValue: text) else {
            return nil
        }
        switch op {
        case .and, .or: return level == 0 ? op : nil
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: return level == 1 ? op : nil
        case .inside: return nil
        default: return level == 2 ? op : nil
        }
    }

    private mutating func parseBinary(level: Int) throws(NCodeError) -> Expression {
        var left = level == 2 ? try parseUnary() : try parseBinary(level: level + 1)
        while let op = binaryOperator(level: level) {
            let token = current
            advance()
            if atEnd || isPunct(";") || isPunct(")") {
                throw error("expected an operand after '\(op.rawValue)', found \(current.described)")
            }
            let right = level == 2 ? try parseUnary() : try parseBinary(level: level + 1)
            left = try make(.binary(op, left, right), at: token, children: [left, right])
        }
        return left
    }

    private mutating func parseUnary() throws(NCodeError) -> Expression {
        let start = current
        if isPunct("!") || isPunct("-") {
            let op: NCodeSyntax.UnaryOperator = isPunct("!") ? .not : .negate
            advance()
            try enter()
            defer { leave() }
            let operand = try parseUnary()
            if op == .negate, case .literal(.int(let value)) = operand.kind {
                return try make(.literal(.int(0 &- value)), at: start, children: [])
            }
            return try make(.unary(op, operand), at: start, children: [operand])
        }
        return try parsePostfix()
    }

    private mutating func parsePostfix() throws(NCodeError) -> Expression {
        var expression = try parsePrimary()
        while isPunct("[") {
            switch expression.kind {
            case .global, .local, .index, .call, .field: break
            default: return expression
            }
            let token = current
            advance()
            let key = try parseExpression()
            try expect("]", "to close the array index")
            expression = try make(.index(expression, key), at: token, children: [expression, key])
        }
        return expression
    }

    private mutating func parsePrimary() throws(NCodeError) -> Expression {
        let start = current
        func leaf(_ kind: Expression.Kind) -> Expression {
            Expression(kind: kind, line: start.line, column: start.column)
        }
        switch current.kind {
        case .int(let value):
            advance()
            return leaf(.literal(.int(value)))
        case .host(let host):
            advance()
            return leaf(.literal(.host(host)))
        case .network(let address, let mask):
            advance()
            return leaf(.literal(.network(address: address, mask: mask)))
        case .string(let bytes):
            advance()
            return leaf(.literal(.string(bytes)))
        case .symbol(let name):
            advance()
            return leaf(.literal(.text(name)))
        case .local(let name):
            advance()
            return leaf(.local(name))
        case .argument(let index):
            advance()
            return leaf(.argument(index))
        case .argumentCount:
            advance()
            return leaf(.argumentCount)
        case .punct("("):
            advance()
            let inner = try parseExpression()
            try expect(")", "to close '(' at line \(start.line) column \(start.column)")
            return inner
        case .punct("["):
            advance()
            try enter()
            defer { leave() }
            var items: [Expression] = []
            while !isPunct("]") {
                if !items.isEmpty { try expect(",", "between list elements") }
                items.append(try parseExpression())
            }
            advance()
            return try make(.list(items), at: start, children: items)
        case .identifier(let name):
            if name == "null" {
                advance()
                return leaf(.literal(.null))
            }
            if Self.keywords.contains(name) { throw error("expected an expression, found keyword '\(name)'") }
            advance()
            if isPunct("(") {
                advance()
                var arguments: [Expression] = []
                while !isPunct(")") {
                    if !arguments.isEmpty { try expect(",", "between the arguments of \(name)") }
                    if atEnd { throw error("expected ')' to close the call of \(name)") }
                    arguments.append(try parseExpression())
                }
                advance()
                return try make(.call(name, arguments), at: start, children: arguments)
            }
            if isPunct(".") {
                advance()
                guard case .identifier(let field) = current.kind else {
                    throw error("expected a field name after '\(name).', found \(current.described)")
                }
                advance()
                return leaf(.field(name, field))
            }
            return leaf(.global(name))
        default:
            throw error("expected an expression, found \(current.described)")
        }
    }
}
