// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A `func`'s compiled body, filled in after every function name is known (calls may precede definitions).
final class NCodeFunctionBox {
    let name: String
    var body: NCodeExec = { _ in .normal }
    init(name: String) { self.name = name }
}

/// Turns parsed N-Code into closures: names resolved to slots, fields to direct packet reads,
/// built-ins to specialised closures. Nothing of the source is consulted when the closures run.
final class NCodeCompiler {
    typealias Expression = NCodeSyntax.Expression
    typealias Statement = NCodeSyntax.Statement

    private(set) var globalSlots: [String: Int] = [:]
    private(set) var staticCount = 0
    private(set) var origins: [NCodeOrigin] = []
    var functions: [String: NCodeFunctionBox] = [:]

    /// The file being compiled.
    var path = ""
    var scope = ""
    /// `$` names of the function, filter or file being compiled.
    private var localSlots: [String: Int] = [:]
    private var loopDepth = 0
    private var inCallable = false

    /// Starts a new `$` scope (a function, a filter, or a file's top level).
    func beginScope(callable: Bool) {
        localSlots = [:]
        loopDepth = 0
        inCallable = callable
    }

    func globalSlot(_ name: String) -> Int {
        if let slot = globalSlots[name] { return slot }
        let slot = globalSlots.count
        globalSlots[name] = slot
        return slot
    }

    private func localSlot(_ name: String) -> Int {
        if let slot = localSlots[name] { return slot }
        let slot = staticCount
        staticCount += 1
        localSlots[name] = slot
        return slot
    }

    /// A new call site for diagnostics.
    func site(line: Int) -> Int {
        origins.append(NCodeOrigin(path: path, line: line))
        return origins.count - 1
    }

    func error(_ code: NCodeError.Code, _ detail: String, line: Int, column: Int) -> NCodeError {
        NCodeError(code, detail, path: path, line: line, column: column)
    }

    // MARK: - Statements

    func compile(_ statement: Statement) throws(NCodeError) -> NCodeExec {
        switch statement.kind {
        case .block(let statements):
            var compiled: [NCodeExec] = []
            for inner in statements { compiled.append(try compile(inner)) }
            guard var chain = compiled.last else { return { _ in .normal } }
            // A chain of pairs rather than a loop over an array: no per-statement retain of the closures.
            for exec in compiled.dropLast().reversed() {
                let rest = chain
                chain = { machine in
                    let flow = exec(machine)
                    if flow != .normal { return flow }
                    if machine.aborted { return .aborted }
                    return rest(machine)
                }
            }
            return chain
        case .expression(let expression):
            let eval = try compile(expression)
            return { machine in
                _ = eval(machine)
                return .normal
            }
        case .ifElse(let condition, let then, let otherwise):
            let test = try compile(condition)
            let thenExec = try compile(then)
            guard let otherwise else {
                return { machine in test(machine).isTrue ? thenExec(machine) : .normal }
            }
            let elseExec = try compile(otherwise)
            return { machine in test(machine).isTrue ? thenExec(machine) : elseExec(machine) }
        case .whileLoop(let condition, let body):
            let test = try compile(condition)
            loopDepth += 1
            let bodyExec = try compile(body)
            loopDepth -= 1
            let site = site(line: statement.line)
            return { machine in
                while true {
                    guard machine.spend(site) else { return .aborted }
                    guard test(machine).isTrue else { return machine.aborted ? .aborted : .normal }
                    switch bodyExec(machine) {
                    case .breakLoop: return .normal
                    case .returned: return .returned
                    case .aborted: return .aborted
                    case .normal, .continueLoop: continue
                    }
                }
            }
        case .foreach(let name, let collection, let body):
            let slot = localSlot(name)
            let items = try compile(collection)
            loopDepth += 1
            let bodyExec = try compile(body)
            loopDepth -= 1
            let site = site(line: statement.line)
            return { machine in
                let elements: [NCodeValue]
                switch items(machine) {
                case .null: return .normal
                case .list(let list): elements = list
                case .array(let array):
                    guard machine.spend(site, array.count) else { return .aborted }
                    elements = array.keys.sorted().map(\.value)
                case let other: elements = [other]
                }
                for element in elements {
                    guard machine.spend(site) else { return .aborted }
                    machine.statics[slot] = element
                    switch bodyExec(machine) {
                    case .breakLoop: return .normal
                    case .returned: return .returned
                    case .aborted: return .aborted
                    case .normal, .continueLoop: continue
                    }
                }
                return .normal
            }
        case .breakLoop, .continueLoop:
            let isBreak: Bool
            if case .breakLoop = statement.kind { isBreak = true } else { isBreak = false }
            guard loopDepth > 0 else {
                throw error(
                    .syntax, "'\(isBreak ? "break" : "continue")' outside a loop", line: statement.line,
                    column: statement.column)
            }
            return isBreak ? { _ in .breakLoop } : { _ in .continueLoop }
        case .returnValue(let value):
            guard inCallable else {
                throw error(
                    .syntax, "'return' outside a func or filter", line: statement.line, column: statement.column)
            }
            guard let value else {
                return { machine in
                    machine.returnValue = .null
                    return .returned
                }
            }
            let eval = try compile(value)
            return { machine in
                machine.returnValue = eval(machine)
                return .returned
            }
        case .record(let values, let target):
            var evals: [NCodeCode] = []
            for value in values { evals.append(NCodeCode(eval: try compile(value))) }
            let targetEval = try compile(target)
            let site = site(line: statement.line)
            return { machine in
                var recorded: [NCodeValue] = []
                recorded.reserveCapacity(evals.count)
                for index in evals.indices { recorded.append(evals[index].eval(machine)) }
                let recorder = targetEval(machine)
                guard case .handle = recorder else {
                    _ = machine.fail(site, "record: the target is not a recorder (\(recorder.typeName))")
                    return .normal
                }
                machine.host.record(recorded, to: recorder, origin: machine.origins[site])
                return .normal
            }
        case .declare(let name):
            if name.hasPrefix("$") { _ = localSlot(String(name.dropFirst())) } else { _ = globalSlot(name) }
            return { _ in .normal }
        }
    }

    // MARK: - Expressions

    func compile(_ expression: Expression) throws(NCodeError) -> NCodeEval {
        switch expression.kind {
        case .literal(let value):
            return { _ in value }
        case .global(let name):
            let slot = globalSlot(name)
            return { machine in machine.globals[slot] }
        case .local(let name):
            let slot = localSlot(name)
            return { machine in machine.statics[slot] }
        case .argument(let index):
            return { machine in
                index <= machine.frameCount ? machine.arguments[machine.frameBase + index - 1] : .null
            }
        case .argumentCount:
            return { machine in .int(machine.frameCount) }
        case .field(let namespace, let name):
            return try field(namespace, name, expression)
        case .index(let base, let key):
            let baseEval = try compile(base)
            let keyEval = try compile(key)
            let site = site(line: expression.line)
            return { machine in
                let container = baseEval(machine)
                let keyValue = keyEval(machine)
                switch container {
                case .array(let items):
                    guard let key = NCodeKey(keyValue) else {
                        if keyValue.isError { return keyValue }
                        return machine.fail(site, "a \(keyValue.typeName) cannot be an array key")
                    }
                    return items[key] ?? .null
                case .list(let items):
                    guard case .int(let index) = keyValue else {
                        if keyValue.isError { return keyValue }
                        return machine.fail(site, "a list is indexed by int, not by \(keyValue.typeName)")
                    }
                    return index >= 0 && index < items.count ? items[index] : .null
                case .null: return .null
                case .error: return container
                default: return machine.fail(site, "cannot index a \(container.typeName)")
                }
            }
        case .call(let name, let arguments):
            return try call(name, arguments, expression)
        case .unary(let op, let operand):
            let eval = try compile(operand)
            switch op {
            case .not:
                return { machine in
                    let value = eval(machine)
                    if value.isError { return value }
                    return .int(value.isTrue ? 0 : 1)
                }
            case .negate:
                let site = site(line: expression.line)
                return { machine in
                    switch eval(machine) {
                    case .int(let value): return .int(0 &- value)
                    case .error(let message): return .error(message)
                    case let other: return machine.fail(site, "cannot negate a \(other.typeName)")
                    }
                }
            }
        case .binary(let op, let left, let right):
            return try binary(op, left, right, expression)
        case .assign(let target, let value):
            return try assign(target, value, expression)
        case .list(let items):
            var evals: [NCodeCode] = []
            for item in items { evals.append(NCodeCode(eval: try compile(item))) }
            let constants = items.compactMap { item -> NCodeValue? in
                if case .literal(let value) = item.kind { return value }
                return nil
            }
            if constants.count == items.count {
                let list = NCodeValue.list(constants)
                return { _ in list }
            }
            let site = site(line: expression.line)
            return { machine in
                var values: [NCodeValue] = []
                values.reserveCapacity(evals.count)
                var nested = false
                for index in evals.indices {
                    let value = evals[index].eval(machine)
                    switch value {
                    case .list, .array: nested = true
                    default: break
                    }
                    values.append(value)
                }
                let list = NCodeValue.list(values)
                if nested, let error = machine.checkNesting(list, depth: NCodeLimits.maxValueNesting, site) {
                    return error
                }
                return list
            }
        }
    }

    private func binary(_ op: NCodeSyntax.BinaryOperator, _ left: Expression, _ right: Expression, _ node: Expression)
        throws(NCodeError) -> NCodeEval
    {
        let rightEval = try compile(right)
        let site = site(line: node.line)
        if op == .inside, case .field("ip", let name) = left.kind, name == "src" || name == "dst" {
            let isSource = name == "src"
            let leftEval = try compile(left)
            if case .global(let global) = right.kind {
                // The packet fast path: a host field against a global list, read in place.
                let slot = globalSlot(global)
                let set = NCodeHostSet()
                return { machine in
                    guard machine.hasPacket else { return .int(leftEval(machine).isInside(rightEval(machine)) ? 1 : 0) }
                    let host = isSource ? machine.packet.ipSrc : machine.packet.ipDst
                    set.refresh(machine.globalVersions[slot], machine.globals + slot)
                    if set.needsGeneric {
                        let allowance = machine.walkAllowance
                        var remaining = allowance
                        let found = NCodeValue.host(host).isInside(machine.globals[slot], remaining: &remaining)
                        machine.charge(allowance, remaining, site)
                        return .int(found ? 1 : 0)
                    }
                    return .int(set.contains(host) ? 1 : 0)
                }
            }
            return { machine in
                guard machine.hasPacket else { return .int(leftEval(machine).isInside(rightEval(machine)) ? 1 : 0) }
                let host = isSource ? machine.packet.ipSrc : machine.packet.ipDst
                let allowance = machine.walkAllowance
                var remaining = allowance
                let found = NCodeValue.host(host).isInside(rightEval(machine), remaining: &remaining)
                machine.charge(allowance, remaining, site)
                return .int(found ? 1 : 0)
            }
        }
        let leftEval = try compile(left)
        switch op {
        case .and:
            return { machine in .int(leftEval(machine).isTrue && rightEval(machine).isTrue ? 1 : 0) }
        case .or:
            return { machine in .int(leftEval(machine).isTrue || rightEval(machine).isTrue ? 1 : 0) }
        case .equal, .notEqual:
            let wanted = op == .equal
            return { machine in
                let a = leftEval(machine)
                let b = rightEval(machine)
                if a.isError { return a }
                if b.isError { return b }
                let allowance = machine.walkAllowance
                var remaining = allowance
                let equal = a.ncodeEquals(b, remaining: &remaining)
                machine.charge(allowance, remaining, site)
                return .int(equal == wanted ? 1 : 0)
            }
        case .inside:
            return { machine in
                let a = leftEval(machine)
                let b = rightEval(machine)
                if a.isError { return a }
                let allowance = machine.walkAllowance
                var remaining = allowance
                let found = a.isInside(b, remaining: &remaining)
                machine.charge(allowance, remaining, site)
                return .int(found ? 1 : 0)
            }
        case .less, .lessEqual, .greater, .greaterEqual:
            return { machine in
                let a = leftEval(machine)
                let b = rightEval(machine)
                if a.isError { return a }
                if b.isError { return b }
                switch NCodeOperators.order(op, a, b) {
                case .value(let value): return value
                case .failure(let message): return machine.fail(site, message)
                }
            }
        default:
            return { machine in
                let a = leftEval(machine)
                let b = rightEval(machine)
                if case .int(let x) = a, case .int(let y) = b, op == .bitAnd { return .int(x & y) }
                if a.isError { return a }
                if b.isError { return b }
                switch NCodeOperators.arithmetic(op, a, b) {
                case .value(let value): return value
                case .failure(let message): return machine.fail(site, message)
                }
            }
        }
    }

    private func assign(_ target: Expression, _ value: Expression, _ node: Expression) throws(NCodeError) -> NCodeEval {
        let valueEval = try compile(value)
        switch target.kind {
        case .global(let name):
            let slot = globalSlot(name)
            return { machine in
                let result = valueEval(machine)
                machine.globals[slot] = result
                machine.globalVersions[slot] &+= 1
                return result
            }
        case .local(let name):
            let slot = localSlot(name)
            return { machine in
                let result = valueEval(machine)
                machine.statics[slot] = result
                return result
            }
        case .index(let base, let key):
            let isGlobal: Bool
            let slot: Int
            switch base.kind {
            case .global(let name):
                isGlobal = true
                slot = globalSlot(name)
            case .local(let name):
                isGlobal = false
                slot = localSlot(name)
            default:
                throw error(
                    .syntax, "arrays are one-dimensional: only name[key] = value can be assigned", line: node.line,
                    column: node.column)
            }
            let keyEval = try compile(key)
            let site = site(line: node.line)
            return { machine in
                let keyValue = keyEval(machine)
                let result = valueEval(machine)
                guard let key = NCodeKey(keyValue) else {
                    if keyValue.isError { return keyValue }
                    return machine.fail(site, "a \(keyValue.typeName) cannot be an array key")
                }
                if let error = machine.checkNesting(result, depth: NCodeLimits.maxValueNesting - 1, site) {
                    return error
                }
                let cell = isGlobal ? machine.globals + slot : machine.statics + slot
                guard cell.pointee.setElement(key, result) else {
                    return machine.fail(site, "cannot assign by key to a \(cell.pointee.typeName)")
                }
                if isGlobal { machine.globalVersions[slot] &+= 1 }
                return result
            }
        default:
            throw error(.syntax, "cannot assign to this expression", line: node.line, column: node.column)
        }
    }

    // MARK: - Fields

    /// Packet and system fields; a field outside a packet (top-level code), or of another
    /// protocol (`tcp.sport` on UDP), is null.
    private func field(_ namespace: String, _ name: String, _ node: Expression) throws(NCodeError) -> NCodeEval {
        func packetInt(_ proto: Int?, _ read: @escaping (NCodePacket) -> Int) -> NCodeEval {
            return { machine in
                guard machine.hasPacket else { return .null }
                if let proto, machine.packet.ipProtocol != proto { return .null }
                return .int(read(machine.packet))
            }
        }
        switch (namespace, name) {
        case ("ip", "src"): return { machine in machine.hasPacket ? .host(machine.packet.ipSrc) : .null }
        case ("ip", "dst"): return { machine in machine.hasPacket ? .host(machine.packet.ipDst) : .null }
        case ("ip", "protocol"), ("ip", "proto"): return packetInt(nil) { $0.ipProtocol }
        case ("ip", "len"), ("ip", "length"): return packetInt(nil) { $0.ipLength }
        case ("ip", "ttl"): return packetInt(nil) { $0.ipTTL }
        case ("ip", "id"): return packetInt(nil) { $0.ipID }
        case ("ip", "tos"): return packetInt(nil) { $0.ipTOS }
        case ("ip", "blob"):
            return { machine in machine.hasPacket ? .string(Array(machine.packet.blob)) : .null }
        case ("tcp", "blob"), ("udp", "blob"):
            let isTCP = namespace == "tcp"
            return { machine in
                guard machine.hasPacket, machine.packet.ipProtocol == (isTCP ? 6 : 17) else { return .null }
                let blob = machine.packet.blob
                let header = isTCP ? (blob.count > 12 ? Int(blob[12] >> 4) * 4 : 20) : 8
                guard header >= (isTCP ? 20 : 8), header <= blob.count else { return .string([]) }
                return .string(Array(blob[header...]))
            }
        case ("tcp", "sport"): return packetInt(6) { $0.sport }
        case ("tcp", "dport"): return packetInt(6) { $0.dport }
        case ("tcp", "flags"): return packetInt(6) { $0.tcpFlags }
        case ("udp", "sport"): return packetInt(17) { $0.sport }
        case ("udp", "dport"): return packetInt(17) { $0.dport }
        case ("icmp", "type"): return packetInt(1) { $0.icmpType }
        case ("icmp", "code"): return packetInt(1) { $0.icmpCode }
        case ("system", "time"): return { machine in .int(machine.time) }
        case ("packet", "time"): return packetInt(nil) { $0.time }
        case ("packet", "usec"): return packetInt(nil) { $0.timeMicros }
        default:
            throw error(.unknownField, "unknown field '\(namespace).\(name)'", line: node.line, column: node.column)
        }
    }
}
