// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// One cell of a recorded row, typed by the recorder's schema.
public enum RecordedValue: Hashable, Sendable {
    /// Seconds since the epoch (`time`).
    case time(Double)
    /// An IPv4 address (`ip`).
    case ip(UInt32)
    /// An integer (`int`).
    case int(Int)
    /// Text (`string`).
    case string(String)

    /// The dotted-decimal form of an IPv4 address.
    public static func dotted(_ address: UInt32) -> String {
        "\(address >> 24).\((address >> 16) & 0xFF).\((address >> 8) & 0xFF).\(address & 0xFF)"
    }

    /// Parses a dotted-decimal IPv4 address.
    public static func parseDotted(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var address: UInt32 = 0
        for part in parts {
            guard let octet = UInt8(part) else { return nil }
            address = address << 8 | UInt32(octet)
        }
        return address
    }

    /// The value as JSON (addresses as dotted strings).
    var json: String {
        switch self {
        case .time(let seconds):
            return seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int64(seconds)) : String(seconds)
        case .ip(let address): return "\"" + Self.dotted(address) + "\""
        case .int(let value): return String(value)
        case .string(let text): return JSONText.quoted(text)
        }
    }

    /// The plain text form (what a query shows).
    public var text: String {
        switch self {
        case .time(let seconds): return String(seconds)
        case .ip(let address): return Self.dotted(address)
        case .int(let value): return String(value)
        case .string(let text): return text
        }
    }
}
