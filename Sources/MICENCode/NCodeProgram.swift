// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A compiled set of N-Code files sharing one global namespace: a package's `.nfr` first, then
/// each backend's. Compiling parses every file and turns it into closures; nothing is re-parsed
/// per packet. Not thread-safe: run it from one thread (the engine is single-threaded, as NFR's was).
public final class NCodeProgram {
    private struct CompiledFilter {
        var filter: NCodeFilter
        var body: NCodeExec
        var argumentEvals: [NCodeEval?]
        var site: Int
    }

    private struct TopLevelStatement {
        var exec: NCodeExec
        var site: Int
    }

    private let machine: NCodeMachine
    private var compiledFilters: [CompiledFilter]
    /// The filters' bodies, apart, so a run touches nothing else.
    private let bodies: [NCodeStatementCode]
    private let topLevel: [TopLevelStatement]

    /// Parses and compiles `sources` in order. Throws the first syntax or compile error.
    public init(sources: [NCodeSource], host: any NCodeHost) throws(NCodeError) {
        var parsed: [(NCodeSource, [NCodeSyntax.TopLevel])] = []
        for source in sources {
            var parser = try NCodeParser(source: source)
            parsed.append((source, try parser.parseProgram()))
        }
        let compiler = NCodeCompiler()
        var functionBodies: [(NCodeFunctionBox, NCodeSyntax.Statement, NCodeSource)] = []
        var filterNames: Set<String> = []
        for (source, items) in parsed {
            compiler.path = source.path
            for case .function(let name, let body, let line, let column) in items {
                if NCodeCompiler.builtins.contains(name) {
                    throw compiler.error(.syntax, "func \(name) would hide the built-in", line: line, column: column)
                }
                guard compiler.functions[name] == nil else {
                    throw compiler.error(.syntax, "func \(name) is defined twice", line: line, column: column)
                }
                let box = NCodeFunctionBox(name: name)
                compiler.functions[name] = box
                functionBodies.append((box, body, source))
            }
        }
        var filters: [CompiledFilter] = []
        var statements: [TopLevelStatement] = []
        for (source, items) in parsed {
            compiler.path = source.path
            compiler.scope = source.scope
            var topStatements: [NCodeSyntax.Statement] = []
            for item in items {
                switch item {
                case .statement(let statement): topStatements.append(statement)
                case .function: break
                case .filter(let name, let layerName, let arguments, let body, let line, let column):
                    guard let layer = NCodeLayer(rawValue: layerName) else {
                        throw compiler.error(
                            .badFilter, "unknown filter layer '\(layerName)' (ip, tcp, udp or icmp)", line: line,
                            column: column)
                    }
                    guard filterNames.insert(name).inserted else {
                        throw compiler.error(.badFilter, "filter \(name) is defined twice", line: line, column: column)
                    }
                    compiler.beginScope(callable: false)
                    var evals: [NCodeEval?] = []
                    for argument in arguments { evals.append(try argument.value.map(compiler.compile)) }
                    compiler.beginScope(callable: true)
                    let exec = try compiler.compile(body)
                    let filter = NCodeFilter(
                        name: name, layer: layer,
                        arguments: arguments.map { NCodeFilterArgument(key: $0.key, value: nil) },
                        path: source.path, line: line)
                    filters.append(
                        CompiledFilter(
                            filter: filter, body: exec, argumentEvals: evals, site: compiler.site(line: line)))
                }
            }
            compiler.beginScope(callable: false)
            for statement in topStatements {
                statements.append(
                    TopLevelStatement(exec: try compiler.compile(statement), site: compiler.site(line: statement.line)))
            }
        }
        for (box, body, source) in functionBodies {
            compiler.path = source.path
            compiler.scope = source.scope
            compiler.beginScope(callable: true)
            box.body = try compiler.compile(body)
        }
        machine = NCodeMachine(
            host: host, globalSlots: compiler.globalSlots, staticCount: compiler.staticCount,
            origins: compiler.origins)
        compiledFilters = filters
        bodies = filters.map { NCodeStatementCode(exec: $0.body) }
        topLevel = statements
        resolveFilterArguments()
    }

    /// The filters of all files, in source order (a stored array: cheap to read per packet).
    public private(set) var filters: [NCodeFilter] = []

    /// The most loop iterations plus calls one callback (a filter run or a top-level statement)
    /// may make before it is stopped with a diagnostic. Default 1,000,000.
    public var instructionBudget: Int {
        get { machine.budgetLimit }
        set { machine.budgetLimit = max(newValue, 1) }
    }

    /// `system.time` outside a packet: the wall clock unless set.
    public var time: Int {
        get { machine.time }
        set { machine.timeOverride = newValue }
    }

    /// Runs the global statements of every file, in order, once.
    public func runTopLevel() {
        machine.hasPacket = false
        for statement in topLevel {
            machine.beginCallback()
            _ = statement.exec(machine)
        }
        resolveFilterArguments()
    }

    /// Runs filter `index` (of ``filters``) on `packet`; `system.time` is the packet's time.
    /// Does not check ``NCodeFilter/matches(_:)``: the engine does.
    public func run(filter index: Int, packet: NCodePacket) {
        machine.beginCallback()
        machine.packet = packet
        machine.hasPacket = true
        _ = bodies[index].exec(machine)
        machine.hasPacket = false
        machine.packet.blob = UnsafeRawBufferPointer(start: nil, count: 0)
    }

    /// The current value of global `name` (null when unset or unknown).
    public func global(_ name: String) -> NCodeValue {
        guard let slot = machine.globalSlots[name] else { return .null }
        return machine.globals[slot]
    }

    private func resolveFilterArguments() {
        machine.hasPacket = false
        for index in compiledFilters.indices {
            for (position, eval) in compiledFilters[index].argumentEvals.enumerated() {
                guard let eval else { continue }
                machine.beginCallback()
                compiledFilters[index].filter.arguments[position].value = eval(machine)
            }
        }
        filters = compiledFilters.map(\.filter)
    }
}
