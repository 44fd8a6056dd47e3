// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

/// The conventions by which records map to JSON objects and back, loss-free.
///
/// * A byte field (a C `char` array, read up to its first NUL) becomes a JSON string when it is
///   valid UTF-8 without NUL bytes, otherwise an object `{"base64": "..."}`.
/// * Integers are JSON numbers, in their host value (byte order is the codec's business).
/// * Keys are the C field names of the original structs (`cHost`, `sChkSum`, `iRID`, ...).
/// * Reading JSON, a missing field means zero or empty; an unknown key is an error, so that a
///   misspelt field cannot be dropped silently.
public enum RecordJSON {
    /// The JSON form of a byte field.
    /// - Parameter bytes: The field's bytes.
    /// - Returns: A string, or `{"base64": ...}` for binary content.
    public static func bytes(_ bytes: [UInt8]) -> JSONValue {
        if !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) {
            return .string(text)
        }
        return .object(["base64": .string(Base64.encode(bytes))])
    }

    /// The bytes of a byte field given as JSON (see ``bytes(_:)``); a missing value is empty.
    /// - Parameters:
    ///   - json: The field's value, or `nil` when absent.
    ///   - recordType: The C record name, for errors.
    ///   - field: The C field name, for errors.
    /// - Returns: The bytes.
    /// - Throws: ``RecordError`` with code `invalidJSON` for any other shape or bad base64.
    public static func bytes(from json: JSONValue?, recordType: String, field: String) throws(RecordError) -> [UInt8] {
        switch json {
        case nil, .null?:
            return []
        case .string(let text)?:
            return Array(text.utf8)
        case .some(let other):
            if let object = other.objectValue, object.count == 1, let encoded = object["base64"]?.stringValue {
                if let decoded = Base64.decode(encoded) { return decoded }
                throw RecordError(.invalidJSON, recordType: recordType, field: field, detail: "bad base64")
            }
            throw RecordError(
                .invalidJSON, recordType: recordType, field: field,
                detail: "expected a string or {\"base64\": ...}, found \(other.typeName)")
        }
    }

    /// An integer field given as JSON; a missing value is zero.
    /// - Parameters:
    ///   - json: The field's value, or `nil` when absent.
    ///   - type: The field's integer type; values outside its range are an error.
    ///   - recordType: The C record name, for errors.
    ///   - field: The C field name, for errors.
    /// - Returns: The value.
    /// - Throws: ``RecordError`` (`invalidJSON` for a non-integer, `valueOutOfRange`).
    public static func integer<Value: FixedWidthInteger>(
        from json: JSONValue?, as type: Value.Type, recordType: String, field: String
    ) throws(RecordError) -> Value {
        guard let json, json != .null else { return 0 }
        guard let value = json.intValue else {
            throw RecordError(
                .invalidJSON, recordType: recordType, field: field,
                detail: "expected an integer, found \(json.typeName)")
        }
        guard let exact = Value(exactly: value) else {
            throw RecordError(
                .valueOutOfRange, recordType: recordType, field: field,
                detail: "\(value) does not fit in \(Value.bitWidth) bits")
        }
        return exact
    }

    /// The members of a JSON object, after checking that it has no key outside `allowed`.
    /// - Parameters:
    ///   - json: The value that must be an object.
    ///   - allowed: The keys the record knows (including informational output-only keys).
    ///   - recordType: The C record name, for errors.
    ///   - field: The union or member name when this is a nested object.
    /// - Returns: The members.
    /// - Throws: ``RecordError`` with code `invalidJSON`.
    public static func object(
        _ json: JSONValue?, allowed: Set<String>, recordType: String, field: String? = nil
    ) throws(RecordError) -> [String: JSONValue] {
        guard let object = json?.objectValue else {
            throw RecordError(
                .invalidJSON, recordType: recordType, field: field,
                detail: "expected an object, found \(json?.typeName ?? "nothing")")
        }
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw RecordError(.invalidJSON, recordType: recordType, field: unknown, detail: "unknown field")
        }
        return object
    }

    /// Lower-case hex of a byte string (the IV of a cipher envelope).
    /// - Parameter bytes: The bytes.
    /// - Returns: Two hex digits per byte.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of a hex string (upper or lower case, even length), or `nil`.
    /// - Parameter text: The hex string.
    /// - Returns: The bytes.
    public static func bytes(fromHex text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 2 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(characters.count / 2)
        var index = 0
        while index < characters.count {
            guard let high = hexValue(characters[index]), let low = hexValue(characters[index + 1]) else {
                return nil
            }
            output.append(high << 4 | low)
            index += 2
        }
        return output
    }

    /// `0x` and four hex digits, for messages.
    static func hex16(_ value: UInt16) -> String {
        "0x" + hex([UInt8(value >> 8), UInt8(value & 0xFF)])
    }

    /// The checksum members every checksummed record shows: the stored value and whether it
    /// verifies.
    static func checksumMembers(stored: UInt16, verification: ChecksumVerification) -> [String: JSONValue] {
        [
            "sChkSum": .int(Int64(stored)),
            "checksumValid": .bool(verification.isAccepted),
            "checksumStatus": .string(verification.tag),
        ]
    }

    /// Keys that records emit for information only and ignore when read back.
    static let checksumInfoKeys: Set<String> = ["checksumValid", "checksumStatus"]

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
