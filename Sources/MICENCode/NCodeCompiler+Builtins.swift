// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

extension NCodeCompiler {
    /// Names of the built-in functions (a `func` cannot take one of them).
    static let builtins: Set<String> = [
        "echo", "cat", "byte", "short", "index", "substr", "strlen", "host", "scope", "library_schema:new",
        "recorder", "alert", "alertContext",
    ]

    /// A call: a built-in, else a `func` of the program (defined anywhere in it).
    func call(_ name: String, _ arguments: [Expression], _ node: Expression) throws(NCodeError) -> NCodeEval {
        func arity(_ range: ClosedRange<Int>) throws(NCodeError) {
            guard range.contains(arguments.count) else {
                let wanted = range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
                throw error(
                    .badArguments, "\(name) takes \(wanted) arguments, not \(arguments.count)", line: node.line,
                    column: node.column)
            }
        }
        var evals: [NCodeCode] = []
        for argument in arguments { evals.append(NCodeCode(eval: try compile(argument))) }
        let site = site(line: node.line)
        switch name {
        case "echo":
            return { machine in
                var values: [NCodeValue] = []
                values.reserveCapacity(evals.count)
                for index in evals.indices { values.append(evals[index].eval(machine)) }
                var out: [UInt8] = []
                out.reserveCapacity(64)
                let allowance = machine.walkAllowance
                var remaining = allowance
                for value in values { value.appendPrint(to: &out, remaining: &remaining) }
                machine.charge(allowance, remaining, site)
                machine.host.echo(out)
                return .error("user error")
            }
        case "cat":
            return { machine in
                var out: [UInt8] = []
                out.reserveCapacity(32)
                let allowance = machine.walkAllowance
                var remaining = allowance
                for index in evals.indices {
                    let value = evals[index].eval(machine)
                    if value.isError { return value }
                    if case .null = value { continue }
                    value.appendPrint(to: &out, remaining: &remaining)
                }
                machine.charge(allowance, remaining, site)
                if out.count >= NCodeLimits.maxStringBytes {
                    return machine.fail(site, "cat: the result would exceed \(NCodeLimits.maxStringBytes) bytes")
                }
                return .string(out)
            }
        case "byte", "short":
            try arity(2...2)
            return bytes(name: name, width: name == "byte" ? 1 : 2, blob: arguments[0], evals: evals, site: site)
        case "strlen":
            try arity(1...1)
            return { machine in
                switch evals[0].eval(machine) {
                case .string(let bytes): return .int(bytes.count)
                case .error(let message): return .error(message)
                case let other: return machine.fail(site, "strlen: expected a string, got \(other.typeName)")
                }
            }
        case "index":
            try arity(2...2)
            return { machine in
                let haystack = evals[0].eval(machine)
                let needle = evals[1].eval(machine)
                guard case .string(let text) = haystack, case .string(let part) = needle else {
                    if haystack.isError { return haystack }
                    if needle.isError { return needle }
                    return machine.fail(
                        site, "index: expected two strings, got \(haystack.typeName) and \(needle.typeName)")
                }
                return .int(Self.firstIndex(of: part, in: text) ?? -1)
            }
        case "substr":
            try arity(2...3)
            return { machine in
                let subject = evals[0].eval(machine)
                let start = evals[1].eval(machine)
                let length = evals.count == 3 ? evals[2].eval(machine) : .null
                guard case .string(let bytes) = subject, case .int(let offset) = start else {
                    for value in [subject, start] where value.isError { return value }
                    return machine.fail(
                        site, "substr: expected a string and an int, got \(subject.typeName) and \(start.typeName)")
                }
                guard offset >= 0, offset <= bytes.count else {
                    return machine.fail(site, "substr: offset \(offset) outside the \(bytes.count)-byte string")
                }
                guard evals.count == 3 else { return .string(Array(bytes[offset...])) }
                guard case .int(let count) = length else {
                    if length.isError { return length }
                    return machine.fail(site, "substr: the length must be an int, got \(length.typeName)")
                }
                guard count >= 0, count <= bytes.count - offset else {
                    return machine.fail(
                        site, "substr: \(count) bytes from offset \(offset) exceed the \(bytes.count)-byte string")
                }
                return .string(Array(bytes[offset..<offset + count]))
            }
        case "host":
            try arity(1...1)
            return { machine in
                let value = evals[0].eval(machine)
                switch value {
                case .host: return value
                case .network(let address, _): return .host(address)
                case .int(let number): return .host(UInt32(truncatingIfNeeded: number))
                case .string(let bytes):
                    if let host = Self.parseDotted(bytes) { return .host(host) }
                    return machine.fail(site, "host: '\(value.printed)' is not a dotted-quad address")
                case .error: return value
                default: return machine.fail(site, "host: cannot make a host from a \(value.typeName)")
                }
            }
        case "scope":
            try arity(0...0)
            let scope = NCodeValue.text(scope)
            return { _ in scope }
        case "library_schema:new":
            try arity(2...3)
            let defaultScope = scope
            return { machine in
                let version = evals[0].eval(machine)
                let columns = evals[1].eval(machine)
                let scope = evals.count == 3 ? evals[2].eval(machine) : .text(defaultScope)
                guard case .int(let number) = version, case .list(let types) = columns else {
                    return machine.fail(
                        site, "library_schema:new: expected a version and a list of column types")
                }
                let names = types.map { type -> String in type.printed }
                return .schema(NCodeSchema(version: number, columns: names, scope: scope.printed))
            }
        case "recorder":
            try arity(2...2)
            return { machine in
                let spec = evals[0].eval(machine)
                let schemaName = evals[1].eval(machine)
                guard case .string = spec, case .string = schemaName else {
                    return machine.fail(site, "recorder: expected a spec string and a schema variable name")
                }
                let name = schemaName.printed
                let schema = machine.globalSlots[name].map { machine.globals[$0] } ?? .null
                do {
                    return try machine.host.makeRecorder(
                        spec: spec.printed, schemaName: name, schema: schema, origin: machine.origins[site])
                } catch {
                    return machine.fail(site, "recorder: \(error)")
                }
            }
        case "alertContext":
            try arity(1...1)
            return { machine in
                let seconds = evals[0].eval(machine)
                guard case .int(let value) = seconds else {
                    if seconds.isError { return seconds }
                    return machine.fail(site, "alertContext: expected seconds as an int, got \(seconds.typeName)")
                }
                return machine.host.makeAlertContext(seconds: value, origin: machine.origins[site])
            }
        case "alert":
            guard arguments.count >= 3 else {
                throw error(
                    .badArguments, "alert takes a source, an alert, a context and its arguments", line: node.line,
                    column: node.column)
            }
            func constantName(_ expression: Expression) -> String? {
                if case .literal(let value) = expression.kind { return value.printed }
                return nil
            }
            let sourceName = constantName(arguments[0])
            let alertName = constantName(arguments[1])
            let sourceEval = evals[0].eval
            let alertEval = evals[1].eval
            let contextEval = evals[2].eval
            let argumentEvals = Array(evals[3...])
            return { machine in
                let source = sourceName ?? sourceEval(machine).printed
                let alert = alertName ?? alertEval(machine).printed
                let context = contextEval(machine)
                var values: [NCodeValue] = []
                values.reserveCapacity(argumentEvals.count)
                for index in argumentEvals.indices { values.append(argumentEvals[index].eval(machine)) }
                machine.host.alert(
                    source: source, alert: alert, context: context, arguments: values, origin: machine.origins[site])
                return .null
            }
        default:
            guard let function = functions[name] else {
                throw error(.unknownFunction, "unknown function '\(name)'", line: node.line, column: node.column)
            }
            return userCall(function, evals, site: site)
        }
    }

    private func userCall(_ function: NCodeFunctionBox, _ evals: [NCodeCode], site: Int) -> NCodeEval {
        let count = evals.count
        return { machine in
            guard machine.callDepth < NCodeLimits.maxCallDepth, !machine.stackExhausted() else {
                return machine.fail(site, "\(function.name): calls nested too deeply (runaway recursion?)")
            }
            guard machine.spend(site) else { return .error("instruction budget exceeded") }
            let base = machine.arguments.count
            for index in evals.indices {
                let value = evals[index].eval(machine)
                machine.arguments.append(value)
            }
            let savedBase = machine.frameBase
            let savedCount = machine.frameCount
            machine.frameBase = base
            machine.frameCount = count
            machine.callDepth += 1
            let flow = function.body(machine)
            machine.callDepth -= 1
            machine.frameBase = savedBase
            machine.frameCount = savedCount
            machine.arguments.removeSubrange(base...)
            switch flow {
            case .returned:
                let result = machine.returnValue
                machine.returnValue = .null
                return result
            case .aborted: return .error("instruction budget exceeded")
            default: return .null
            }
        }
    }

    /// `byte(blob, offset)` / `short(blob, offset)`: big-endian; `ip.blob` is read in place.
    private func bytes(name: String, width: Int, blob: Expression, evals: [NCodeCode], site: Int) -> NCodeEval {
        let offsetEval = evals[1].eval
        func read(_ buffer: UnsafeRawBufferPointer, _ offset: Int, _ machine: NCodeMachine) -> NCodeValue {
            guard offset >= 0, offset <= buffer.count - width else {
                return machine.fail(site, "\(name): offset \(offset) outside the \(buffer.count)-byte blob")
            }
            if width == 1 { return .int(Int(buffer[offset])) }
            return .int(Int(buffer[offset]) << 8 | Int(buffer[offset + 1]))
        }
        if case .field("ip", "blob") = blob.kind {
            return { machine in
                let offset = offsetEval(machine)
                guard case .int(let position) = offset else {
                    if offset.isError { return offset }
                    return machine.fail(site, "\(name): the offset must be an int, got \(offset.typeName)")
                }
                guard machine.hasPacket else { return machine.fail(site, "\(name): ip.blob outside a packet") }
                return read(machine.packet.blob, position, machine)
            }
        }
        let blobEval = evals[0].eval
        return { machine in
            let subject = blobEval(machine)
            let offset = offsetEval(machine)
            guard case .string(let bytes) = subject, case .int(let position) = offset else {
                for value in [subject, offset] where value.isError { return value }
                return machine.fail(
                    site, "\(name): expected a blob and an int, got \(subject.typeName) and \(offset.typeName)")
            }
            return bytes.withUnsafeBytes { read($0, position, machine) }
        }
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        if needle.isEmpty { return 0 }
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start] == needle[0] && haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }

    static func parseDotted(_ bytes: [UInt8]) -> UInt32? {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var address: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            let value = part.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard value <= 255 else { return nil }
            address = address << 8 | UInt32(value)
        }
        return address
    }
}
