// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Base64 with the URL- and file-safe alphabet of RFC 4648 section 5, without padding: the
/// pseudonyms' text form; and the standard alphabet with padding, for keys.
public enum Base64URL {
    private static let urlAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let standardAlphabet = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let urlTable = table(urlAlphabet)
    private static let standardTable = table(standardAlphabet)

    private static func table(_ alphabet: [UInt8]) -> [UInt8] {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = UInt8(index) }
        return table
    }

    /// Whether `byte` belongs to the URL-safe alphabet.
    public static func isURLCharacter(_ byte: UInt8) -> Bool { urlTable[Int(byte)] != 0xFF }

    /// Encodes with the URL-safe alphabet, no padding: 4 characters per 3 bytes, rounded up.
    public static func encode(_ bytes: some Collection<UInt8>, into output: inout [UInt8]) {
        encode(bytes, alphabet: urlAlphabet, padding: false, into: &output)
    }

    /// Encodes with the standard alphabet and '=' padding.
    public static func encodeStandard(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        encode(bytes, alphabet: standardAlphabet, padding: true, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes URL-safe base64 without padding; nil for another character or an impossible length.
    public static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        decode(text, table: urlTable)
    }

    /// Decodes standard base64, padded or not, ignoring blanks and line breaks (keys pasted from
    /// files); nil for another character.
    public static func decodeStandard(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        var padding = 0
        for byte in text.utf8 {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "="):
                padding += 1
                continue
            default:
                guard padding == 0 else { return nil }
                values.append(byte)
            }
        }
        guard padding <= 2 else { return nil }
        return decode(values, table: standardTable)
    }

    private static func encode(
        _ bytes: some Collection<UInt8>, alphabet: [UInt8], padding: Bool, into output: inout [UInt8]
    ) {
        var group: UInt32 = 0
        var count = 0
        for byte in bytes {
            group = group << 8 | UInt32(byte)
            count += 1
            if count == 3 {
                for shift in [18, 12, 6, 0] { output.append(alphabet[Int((group >> UInt32(shift)) & 0x3F)]) }
                group = 0
                count = 0
            }
        }
        if count == 1 {
            group <<= 16
            output.append(alphabet[Int((group >> 18) & 0x3F)])
            output.append(alphabet[Int((group >> 12) & 0x3F)])
            if padding { output.append(contentsOf: [UInt8(ascii: "="), UInt8(ascii: "=")]) }
        } else if count == 2 {
            group <<= 8
            output.append(alphabet[Int((group >> 18) & 0x3F)])
            output.append(alphabet[Int((group >> 12) & 0x3F)])
            output.append(alphabet[Int((group >> 6) & 0x3F)])
            if padding { output.append(UInt8(ascii: "=")) }
        }
    }

    private static func decode(_ text: some Collection<UInt8>, table: [UInt8]) -> [UInt8]? {
        guard text.count % 4 != 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(text.count * 3 / 4)
        var group: UInt32 = 0
        var count = 0
        for character in text {
            let value = table[Int(character)]
            guard value != 0xFF else { return nil }
            group = group << 6 | UInt32(value)
            count += 1
            if count == 4 {
                output.append(UInt8(truncatingIfNeeded: group >> 16))
                output.append(UInt8(truncatingIfNeeded: group >> 8))
                output.append(UInt8(truncatingIfNeeded: group))
                group = 0
                count = 0
            }
        }
        if count == 2 {
            // The unused low bits must be zero, so that every byte string has one text form.
            guard group & 0x0F == 0 else { return nil }
            output.append(UInt8(truncatingIfNeeded: group >> 4))
        } else if count == 3 {
            guard group & 0x03 == 0 else { return nil }
            output.append(UInt8(truncatingIfNeeded: group >> 10))
            output.append(UInt8(truncatingIfNeeded: group >> 2))
        }
        return output
    }
}
