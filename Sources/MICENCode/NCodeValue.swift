// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An N-Code value. Values are immutable; arrays and lists are copied on write.
///
/// `Hashable` here is structural (Swift's): N-Code's own `==` (a list equals an int it contains)
/// is ``ncodeEquals(_:)``.
public enum NCodeValue: Hashable, Sendable {
    /// No value: unset variables, missing array keys, a field absent from the packet.
    case null
    /// The result of a failed evaluation, with its message; false in conditions.
    case error(String)
    /// A signed integer (64-bit, arithmetic wraps).
    case int(Int)
    /// An IPv4 host, in host byte order (`10.0.0.1` is `0x0A00_0001`).
    case host(UInt32)
    /// An IPv4 network `address:mask`; `address` is stored as written.
    case network(address: UInt32, mask: UInt32)
    /// A string or blob: raw bytes (N-Code does not distinguish them).
    case string([UInt8])
    /// A list of values of any types, possibly nested.
    case list([NCodeValue])
    /// A one-dimensional array keyed by int, string, host or network.
    case array([NCodeKey: NCodeValue])
    /// An object owned by the host: a recorder, an alert context.
    case handle(NCodeHandle)
    /// A recorder schema from `library_schema:new(version, [types], scope())`.
    case schema(NCodeSchema)

    /// A string value from text.
    public static func text(_ text: String) -> NCodeValue { .string(Array(text.utf8)) }

    /// N-Code truth: `0`, null, errors, the empty string and the empty list are false.
    @inlinable
    public var isTrue: Bool {
        switch self {
        case .int(let value): return value != 0
        case .null, .error: return false
        case .string(let bytes): return !bytes.isEmpty
        case .list(let items): return !items.isEmpty
        case .array(let items): return !items.isEmpty
        case .host, .network, .handle, .schema: return true
        }
    }

    /// True for `.error`.
    public var isError: Bool {
        if case .error = self { return true }
        return false
    }

    /// N-Code's `==`: same type and value; a list equals a scalar when one of its elements does
    /// (either side); null equals only null; values of different types are unequal.
    public func ncodeEquals(_ other: NCodeValue) -> Bool {
        switch (self, other) {
        case (.int(let a), .int(let b)): return a == b
        case (.host(let a), .host(let b)): return a == b
        case (.list, .list): return self == other
        case (.list(let items), _): return items.contains { $0.ncodeEquals(other) }
        case (_, .list(let items)): return items.contains { self.ncodeEquals($0) }
        default: return self == other
        }
    }

    /// `self inside container`: a host in a network, a value equal to an element of a list
    /// (recursively), a key of an array, a network inside a larger network. Never an error.
    public func isInside(_ container: NCodeValue) -> Bool {
        isInside(container, depth: 0)
    }

    private func isInside(_ container: NCodeValue, depth: Int) -> Bool {
        if depth > NCodeLimits.maxNesting { return false }
        switch container {
        case .list(let items):
            for item in items where isInside(item, depth: depth + 1) { return true }
            return false
        case .network(let address, let mask):
            switch self {
            case .host(let host): return host & mask == address & mask
            case .network(let inner, let innerMask):
                return innerMask & mask == mask && inner & mask == address & mask
            default: return false
            }
        case .array(let items):
            guard let key = NCodeKey(self) else { return false }
            return items[key] != nil
        case .null, .error: return false
        default: return ncodeEquals(container)
        }
    }

    /// The text `echo` prints: ints in decimal, hosts dotted, networks `host:mask`, strings raw,
    /// lists `[a,b]`, arrays `{key=value,...}` sorted by key, errors `error(message)`, null `null`.
    public var printBytes: [UInt8] {
        var out: [UInt8] = []
        appendPrint(to: &out)
        return out
    }

    /// ``printBytes`` decoded as UTF-8 (invalid bytes replaced), for messages and tests.
    public var printed: String { String(decoding: printBytes, as: UTF8.self) }

    /// Appends ``printBytes`` to `out`.
    public func appendPrint(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .error(let message):
            out.append(contentsOf: "error(".utf8)
            out.append(contentsOf: message.utf8)
            out.append(UInt8(ascii: ")"))
        case .int(let value): out.append(contentsOf: String(value).utf8)
        case .host(let host): NCodeValue.appendDotted(host, to: &out)
        case .network(let address, let mask):
            NCodeValue.appendDotted(address, to: &out)
            out.append(UInt8(ascii: ":"))
            NCodeValue.appendDotted(mask, to: &out)
        case .string(let bytes): out.append(contentsOf: bytes)
        case .list(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.appendPrint(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .array(let items):
            out.append(UInt8(ascii: "{"))
            for (index, key) in items.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                key.value.appendPrint(to: &out)
                out.append(UInt8(ascii: "="))
                items[key]!.appendPrint(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .handle(let handle): out.append(contentsOf: "\(handle.kind)(\(handle.id))".utf8)
        case .schema(let schema):
            out.append(contentsOf: "schema(\(schema.scope),[\(schema.columns.joined(separator: ","))])".utf8)
        }
    }

    /// `10.0.0.1` for `0x0A00_0001`.
    public static func dotted(_ host: UInt32) -> String {
        var out: [UInt8] = []
        appendDotted(host, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendDotted(_ host: UInt32, to out: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) {
            let octet = UInt8(truncatingIfNeeded: host >> UInt32(shift))
            if octet >= 100 { out.append(UInt8(ascii: "0") + octet / 100) }
            if octet >= 10 { out.append(UInt8(ascii: "0") + octet / 10 % 10) }
            out.append(UInt8(ascii: "0") + octet % 10)
            if shift > 0 { out.append(UInt8(ascii: ".")) }
        }
    }

    /// The name of the value's type, for error messages (`int`, `host`, `list` ...).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .error: return "error"
        case .int: return "int"
        case .host: return "host"
        case .network: return "network"
        case .string: return "string"
        case .list: return "list"
        case .array: return "array"
        case .handle(let handle): return handle.kind
        case .schema: return "schema"
        }
    }
}

/// Parser and runtime limits that keep hostile N-Code from exhausting the stack.
enum NCodeLimits {
    /// Nesting of parentheses, blocks, lists and statements.
    static let maxNesting = 100
    /// Nested `func` calls.
    static let maxCallDepth = 100
}

extension NCodeValue {
    /// `self[key] = value` for an array (a null becomes a new array); false for other types.
    /// Keeps the array's storage unique, so assignments in a loop do not copy it.
    mutating func setElement(_ key: NCodeKey, _ value: NCodeValue) -> Bool {
        switch self {
        case .null:
            self = .array([key: value])
            return true
        case .array(var items):
            self = .null
            items[key] = value
            self = .array(items)
            return true
        default:
            return false
        }
    }
}
