// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Byte-level helpers of the line parsers: lines are bytes (possibly invalid UTF-8), so nothing
/// here goes through String.
struct LineBytes {
    let bytes: UnsafeRawBufferPointer

    var count: Int { bytes.count }

    subscript(index: Int) -> UInt8 { bytes[index] }

    /// The first index at or after `start` where `token` occurs, or nil.
    func find(_ token: [UInt8], from start: Int = 0, in end: Int? = nil) -> Int? {
        let limit = (end ?? bytes.count) - token.count
        guard !token.isEmpty, start <= limit else { return nil }
        let first = token[0]
        var index = start
        while index <= limit {
            if bytes[index] == first, matches(token, at: index) { return index }
            index += 1
        }
        return nil
    }

    /// The first index at or after `start` where `token` occurs and is not preceded by a letter or
    /// digit (so "UID: " is not found inside "EUID: ").
    func findToken(_ token: [UInt8], from start: Int = 0, in end: Int? = nil) -> Int? {
        var from = start
        while let index = find(token, from: from, in: end) {
            if index == 0 || !Self.isAlphanumeric(bytes[index - 1]) { return index }
            from = index + 1
        }
        return nil
    }

    /// Whether `token` occurs at `index`.
    func matches(_ token: [UInt8], at index: Int) -> Bool {
        guard index >= 0, index + token.count <= bytes.count else { return false }
        for offset in 0..<token.count where bytes[index + offset] != token[offset] {
            return false
        }
        return true
    }

    /// The bytes of `range` without leading and trailing blanks (space, tab, CR, LF).
    func trimmed(_ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, Self.isBlank(bytes[lower]) { lower += 1 }
        while upper > lower, Self.isBlank(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// A copy of `range`, cut to `capacity - 1` bytes (what a C field of `capacity` bytes holds).
    func field(_ range: Range<Int>, capacity: Int) -> [UInt8] {
        let end = min(range.upperBound, range.lowerBound + capacity - 1)
        return Array(UnsafeRawBufferPointer(rebasing: bytes[range.lowerBound..<end]))
    }

    /// The text of `range` for messages: at most 40 bytes, invalid UTF-8 repaired.
    func quoted(_ range: Range<Int>) -> String {
        let end = min(range.upperBound, range.lowerBound + 40)
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range.lowerBound..<end]), as: UTF8.self)
        return "\"\(text)\(end < range.upperBound ? "..." : "")\""
    }

    static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
    }
}

/// Numbers in log fields: decimal ("4242", "-1" for signed types) or hexadecimal with "0x"
/// ("0x10"), nothing else; nil for anything else or a value out of the type's range (the
/// original's `atoi` read "4x2" as 4 and overflowed silently).
enum LogNumber {
    static func parse<Number: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, as type: Number.Type) -> Number? {
        var index = 0
        var negative = false
        if bytes.count > 1, bytes[0] == UInt8(ascii: "-"), Number.isSigned {
            negative = true
            index = 1
        } else if bytes.count > 0, bytes[0] == UInt8(ascii: "+") {
            index = 1
        }
        var radix: Number = 10
        if bytes.count - index > 2, bytes[index] == UInt8(ascii: "0"), bytes[index + 1] | 0x20 == UInt8(ascii: "x") {
            radix = 16
            index += 2
        }
        guard index < bytes.count else { return nil }
        var value: Number = 0
        while index < bytes.count {
            guard let digit = digitValue(bytes[index], radix: radix) else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: radix)
            let (next, overflow2) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if overflow || overflow2 { return nil }
            value = next
            index += 1
        }
        return value
    }

    private static func digitValue<Number: FixedWidthInteger>(_ byte: UInt8, radix: Number) -> Number? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Number(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: return Number(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: return Number(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
