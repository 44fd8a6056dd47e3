// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The semantics of N-Code's operators on values, shared by the compiled closures.
enum NCodeOperators {
    /// The outcome of an operator: a value, or a message for an error value.
    enum Outcome {
        case value(NCodeValue)
        case failure(String)
    }

    /// `+ - * / % & | ^`: ints (wrapping), `host ± int` and `host & | ^` with a host or int mask.
    static func arithmetic(_ op: NCodeSyntax.BinaryOperator, _ left: NCodeValue, _ right: NCodeValue) -> Outcome {
        switch (left, right) {
        case (.int(let a), .int(let b)):
            switch op {
            case .add: return .value(.int(a &+ b))
            case .subtract: return .value(.int(a &- b))
            case .multiply: return .value(.int(a &* b))
            case .divide:
                if b == 0 { return .failure("division by zero") }
                return .value(.int(b == -1 ? 0 &- a : a / b))
            case .modulo:
                if b == 0 { return .failure("modulo by zero") }
                return .value(.int(b == -1 ? 0 : a % b))
            case .bitAnd: return .value(.int(a & b))
            case .bitOr: return .value(.int(a | b))
            case .bitXor: return .value(.int(a ^ b))
            default: break
            }
        case (.host(let a), .int(let b)):
            let b32 = UInt32(truncatingIfNeeded: b)
            switch op {
            case .add: return .value(.host(a &+ b32))
            case .subtract: return .value(.host(a &- b32))
            case .bitAnd: return .value(.host(a & b32))
            case .bitOr: return .value(.host(a | b32))
            case .bitXor: return .value(.host(a ^ b32))
            default: break
            }
        case (.host(let a), .host(let b)):
            switch op {
            case .subtract: return .value(.int(Int(a) - Int(b)))
            case .bitAnd: return .value(.host(a & b))
            case .bitOr: return .value(.host(a | b))
            case .bitXor: return .value(.host(a ^ b))
            default: break
            }
        default: break
        }
        return .failure("cannot apply '\(op.rawValue)' to \(left.typeName) and \(right.typeName)")
    }

    /// `< <= > >=` on two ints, two hosts (as unsigned numbers) or two strings (bytewise).
    static func order(_ op: NCodeSyntax.BinaryOperator, _ left: NCodeValue, _ right: NCodeValue) -> Outcome {
        let sign: Int
        switch (left, right) {
        case (.int(let a), .int(let b)): sign = a < b ? -1 : (a == b ? 0 : 1)
        case (.host(let a), .host(let b)): sign = a < b ? -1 : (a == b ? 0 : 1)
        case (.string(let a), .string(let b)):
            sign = a == b ? 0 : (a.lexicographicallyPrecedes(b) ? -1 : 1)
        default:
            return .failure("cannot compare \(left.typeName) and \(right.typeName) with '\(op.rawValue)'")
        }
        let result: Bool
        switch op {
        case .less: result = sign < 0
        case .lessEqual: result = sign <= 0
        case .greater: result = sign > 0
        default: result = sign >= 0
        }
        return .value(.int(result ? 1 : 0))
    }

    /// `host inside container` without building a value: the packet fast path.
    static func hostInside(_ host: UInt32, _ container: NCodeValue) -> Bool {
        switch container {
        case .list(let items):
            for item in items {
                switch item {
                case .host(let candidate): if candidate == host { return true }
                case .network(let address, let mask): if host & mask == address & mask { return true }
                case .list, .array: if NCodeValue.host(host).isInside(item) { return true }
                default: continue
                }
            }
            return false
        case .host(let candidate): return candidate == host
        case .network(let address, let mask): return host & mask == address & mask
        case .array(let items): return items[.host(host)] != nil
        default: return false
        }
    }
}
