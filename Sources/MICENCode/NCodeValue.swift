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
        var remaining = NCodeLimits.maxWalk
        return ncodeEquals(other, remaining: &remaining)
    }

    /// ``ncodeEquals(_:)`` visiting at most `remaining` nested elements (false when they run out).
    func ncodeEquals(_ other: NCodeValue, remaining: inout Int) -> Bool {
        switch (self, other) {
        case (.int(let a), .int(let b)): return a == b
        case (.host(let a), .host(let b)): return a == b
        case (.list, .list), (.array, .array): return structurallyEqual(other, remaining: &remaining)
        case (.list(let items), _):
            for item in items {
                remaining -= 1
                if remaining < 0 { return false }
                if item.ncodeEquals(other, remaining: &remaining) { return true }
            }
            return false
        case (_, .list): return other.ncodeEquals(self, remaining: &remaining)
        default: return self == other
        }
    }

    /// Element-by-element equality of two lists or two arrays, bounded like the other walks.
    private func structurallyEqual(_ other: NCodeValue, remaining: inout Int) -> Bool {
        func same(_ x: NCodeValue, _ y: NCodeValue) -> Bool {
            remaining -= 1
            if remaining < 0 { return false }
            switch (x, y) {
            case (.list, .list), (.array, .array): return x.structurallyEqual(y, remaining: &remaining)
            default: return x == y
            }
        }
        switch (self, other) {
        case (.list(let a), .list(let b)):
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where !same(x, y) { return false }
            return true
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return false }
            for (key, x) in a {
                guard let y = b[key], same(x, y) else { return false }
            }
            return true
        default: return self == other
        }
    }

    /// `self inside container`: a host in a network, a value equal to an element of a list
    /// (recursively), a key of an array, a network inside a larger network. Never an error.
    public func isInside(_ container: NCodeValue) -> Bool {
        var remaining = NCodeLimits.maxWalk
        return isInside(container, remaining: &remaining)
    }

    /// ``isInside(_:)`` visiting at most `remaining` nested elements (false when they run out).
    func isInside(_ container: NCodeValue, remaining: inout Int) -> Bool {
        switch container {
        case .list(let items):
            for item in items {
                remaining -= 1
                if remaining < 0 { return false }
                if isInside(item, remaining: &remaining) { return true }
            }
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
        default: return ncodeEquals(container, remaining: &remaining)
        }
    }

    /// Whether the value nests lists and arrays at most `depth` levels deep, visiting at most
    /// `remaining` nested elements. Keeps runtime-built values (`l = [l]` in a loop) shallow
    /// enough to print, compare and free without exhausting the stack.
    func fitsNesting(depth: Int, remaining: inout Int) -> Bool {
        func visit(_ item: NCodeValue) -> Bool {
            remaining -= 1
            if remaining < 0 { return false }
            switch item {
            case .list, .array: return item.fitsNesting(depth: depth - 1, remaining: &remaining)
            default: return true
            }
        }
        switch self {
        case .list(let items):
            guard depth > 0 else { return false }
            for item in items where !visit(item) { return false }
            return true
        case .array(let items):
            guard depth > 0 else { return false }
            for item in items.values where !visit(item) { return false }
            return true
        default: return true
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
        var remaining = NCodeLimits.maxWalk
        appendPrint(to: &out, remaining: &remaining)
    }

    /// Appends the text form, visiting at most `remaining` nested elements and stopping (with
    /// `...`) once `out` holds ``NCodeLimits/maxStringBytes``.
    func appendPrint(to out: inout [UInt8], remaining: inout Int) {
        if out.count >= NCodeLimits.maxStringBytes || remaining < 0 {
            if out.last != UInt8(ascii: ".") { out.append(contentsOf: "...".utf8) }
            return
        }
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
                remaining -= 1
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.appendPrint(to: &out, remaining: &remaining)
                if remaining < 0 || out.count >= NCodeLimits.maxStringBytes { break }
            }
            out.append(UInt8(ascii: "]"))
        case .array(let items):
            out.append(UInt8(ascii: "{"))
            remaining -= items.count
            for (index, key) in items.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                key.value.appendPrint(to: &out, remaining: &remaining)
                out.append(UInt8(ascii: "="))
                items[key]!.appendPrint(to: &out, remaining: &remaining)
                if remaining < 0 || out.count >= NCodeLimits.maxStringBytes { break }
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
    /// Nesting of lists and arrays built at runtime.
    static let maxValueNesting = 32
    /// Nested elements one comparison, `inside` or print may visit.
    static let maxWalk = 1_000_000
    /// The longest string `cat` builds and the most `echo` prints at once (16 MiB).
    static let maxStringBytes = 16 << 20
    /// Nested `func` calls.
    static let maxCallDepth = 100
    /// Stack one callback may use before a call is refused (threads have at least 512 KiB).
    static let maxStackBytes: UInt = 192 << 10
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
