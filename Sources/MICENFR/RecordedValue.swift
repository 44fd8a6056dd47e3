// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPacket

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
        IPv4Address(rawValue: address).description
    }

    /// Parses a dotted-decimal IPv4 address.
    public static func parseDotted(_ text: String) -> UInt32? {
        IPv4Address(text)?.rawValue
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

    /// Appends the value as JSON (what ``json`` returns) without building a string.
    func appendJSON(to out: inout [UInt8]) {
        switch self {
        case .int(let value):
            Self.appendDecimal(value, to: &out)
        case .time(let seconds) where seconds == seconds.rounded() && abs(seconds) < 1e15:
            Self.appendDecimal(Int(seconds), to: &out)
        case .ip(let address):
            out.append(UInt8(ascii: "\""))
            for shift in [24, 16, 8, 0] {
                Self.appendDecimal(Int((address >> UInt32(shift)) & 0xFF), to: &out)
                if shift > 0 { out.append(UInt8(ascii: ".")) }
            }
            out.append(UInt8(ascii: "\""))
        case .string(let text):
            if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") && $0 < 0x80 })
            {
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: text.utf8)
                out.append(UInt8(ascii: "\""))
            } else {
                out.append(contentsOf: JSONText.quoted(text).utf8)
            }
        default:
            out.append(contentsOf: json.utf8)
        }
    }

    private static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            if value == Int.min {
                out.append(contentsOf: String(value).utf8.dropFirst())
                return
            }
        }
        var magnitude = value.magnitude
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for index in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[index]) }
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
