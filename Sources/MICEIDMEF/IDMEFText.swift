// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Text handling for XML output: hostile bytes (invalid UTF-8, control characters, markup) must
/// never break the document.
public enum IDMEFText {
    /// Whether XML 1.0 can carry `scalar` at all (§2.2 Char production).
    public static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: return true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    /// `bytes` as text that XML can carry: invalid UTF-8 and characters XML forbids become U+FFFD.
    public static func sanitized(_ bytes: some Collection<UInt8>) -> String {
        sanitized(String(decoding: Array(bytes), as: UTF8.self))
    }

    /// `text` with every character XML forbids replaced by U+FFFD.
    public static func sanitized(_ text: String) -> String {
        guard !text.unicodeScalars.allSatisfy(isXMLCharacter) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(isXMLCharacter(scalar) ? scalar : "\u{FFFD}")
        }
        return String(scalars)
    }

    /// `bytes` as a string when they are valid UTF-8 made only of characters XML can carry
    /// (and no CR, which XML parsers normalise away); nil otherwise.
    public static func exactXMLString(_ bytes: [UInt8]) -> String? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        guard text.unicodeScalars.allSatisfy({ isXMLCharacter($0) && $0 != "\r" }) else { return nil }
        return text
    }

    /// `text` escaped for element content (after sanitising).
    public static func escapedContent(_ text: String) -> String {
        escape(sanitized(text), attribute: false)
    }

    /// `text` escaped for a double-quoted attribute value (after sanitising); tabs and line ends
    /// become character references so that attribute normalisation does not change them.
    public static func escapedAttribute(_ text: String) -> String {
        escape(sanitized(text), attribute: true)
    }

    private static func escape(_ text: String, attribute: Bool) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"" where attribute: result += "&quot;"
            case "\r": result += "&#xD;"
            case "\t" where attribute: result += "&#x9;"
            case "\n" where attribute: result += "&#xA;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Standard base64 of `bytes`.
    public static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let first = UInt32(bytes[index])
            let second = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            let third = index + 2 < bytes.count ? UInt32(bytes[index + 2]) : 0
            let word = first << 16 | second << 8 | third
            output.append(alphabet[Int(word >> 18 & 63)])
            output.append(alphabet[Int(word >> 12 & 63)])
            output.append(index + 1 < bytes.count ? alphabet[Int(word >> 6 & 63)] : UInt8(ascii: "="))
            output.append(index + 2 < bytes.count ? alphabet[Int(word & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}
