// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords

/// Parses the lines of scslog2syslog (system-call logging) into ``SCSLogFormat``, the original
/// `parse_scslog_entry` done right (spec section 7.3.1).
///
/// A line must contain "scslog2syslog". Its fields are "Syscall: ", "Program: ", "PID: ", "UID: ",
/// "EUID: ", "Call: " and "Comment: ", each running to the delimiter " |":
///
/// ```
/// Sep  5 18:55:00 host scslog2syslog: Syscall: execve | Program: /bin/sh | PID: 4242 | UID: 500 | EUID: 0 | Call: execve("/bin/id") | Comment: setuid
/// ```
///
/// Fixed against the original: a token is found only at a token boundary ("UID: " is not found
/// inside "EUID: "), a " |" inside a value (a shell pipe in Call) ends the value only when a field
/// name or the end of the line follows it, numbers must be whole decimal numbers in range
/// (otherwise 0 and a problem reported, where `atoi` read "4x2" as 4), a missing field is empty or 0
/// instead of failing the line, and over-long values are cut to their C field. As in the original,
/// a field present with an empty value gets the text "NO VALUE".
public enum SCSLogParser {
    /// What a line must contain.
    public static let marker = Array("scslog2syslog".utf8)
    /// What ends a value.
    public static let delimiter = Array(" |".utf8)
    /// The text stored for a text field present with an empty value.
    public static let noValue = Array("NO VALUE".utf8)

    private enum Field: Int, CaseIterable {
        case syscall, program, pid, uid, euid, call, comment

        var token: [UInt8] {
            switch self {
            case .syscall: return Array("Syscall: ".utf8)
            case .program: return Array("Program: ".utf8)
            case .pid: return Array("PID: ".utf8)
            case .uid: return Array("UID: ".utf8)
            case .euid: return Array("EUID: ".utf8)
            case .call: return Array("Call: ".utf8)
            case .comment: return Array("Comment: ".utf8)
            }
        }

        var name: String { String(decoding: token.dropLast(2), as: UTF8.self) }
    }

    private static let tokens = Field.allCases.map(\.token)

    /// Whether `line` is an scslog2syslog line.
    public static func recognizes(_ line: UnsafeRawBufferPointer) -> Bool {
        LineBytes(bytes: line).find(marker) != nil
    }

    /// Parses one line.
    /// - Parameter line: The raw line.
    /// - Returns: The record, or nil when the line lacks the marker or holds none of the fields.
    public static func parse(_ line: UnsafeRawBufferPointer) -> ParsedLine<SCSLogFormat>? {
        let bytes = LineBytes(bytes: line)
        guard let markerAt = bytes.find(marker) else { return nil }
        var ranges = [Range<Int>?](repeating: nil, count: Field.allCases.count)
        var position = markerAt + marker.count
        // Left to right: the next field name, its value up to an accepted delimiter, and on.
        while let (field, start) = nextField(in: bytes, from: position) {
            let valueStart = start + field.token.count
            let valueEnd = endOfValue(in: bytes, from: valueStart)
            if ranges[field.rawValue] == nil {
                ranges[field.rawValue] = bytes.trimmed(valueStart..<valueEnd)
            }
            position = valueEnd
        }
        let found = ranges.compactMap { $0 }.count
        guard found > 0 else { return nil }
        var problems: [String] = []
        var record = SCSLogFormat()
        func text(_ field: Field, capacity: Int) -> [UInt8] {
            guard let range = ranges[field.rawValue] else {
                problems.append("\(field.name): missing")
                return []
            }
            return range.isEmpty ? noValue : bytes.field(range, capacity: capacity)
        }
        func number<Number: FixedWidthInteger>(_ field: Field, as type: Number.Type) -> Number {
            guard let range = ranges[field.rawValue] else {
                problems.append("\(field.name): missing")
                return 0
            }
            guard let value = LogNumber.parse(UnsafeRawBufferPointer(rebasing: line[range]), as: type) else {
                problems.append("\(field.name): \(bytes.quoted(range)) is not a number of \(Number.self)")
                return 0
            }
            return value
        }
        record.syscall = text(.syscall, capacity: 256)
        record.program = text(.program, capacity: 255)
        record.pid = number(.pid, as: Int32.self)
        record.uid = number(.uid, as: UInt32.self)
        record.euid = number(.euid, as: UInt32.self)
        record.call = text(.call, capacity: 1024)
        record.comment = text(.comment, capacity: 256)
        return ParsedLine(record: record, fieldsFound: found, problems: problems)
    }

    /// Parses one line held in an array or other collection.
    public static func parse(_ line: some Collection<UInt8>) -> ParsedLine<SCSLogFormat>? {
        Array(line).withUnsafeBytes { parse($0) }
    }

    /// The earliest field name at a token boundary at or after `position`.
    private static func nextField(in bytes: LineBytes, from position: Int) -> (Field, Int)? {
        var best: (Field, Int)?
        for field in Field.allCases {
            guard let index = bytes.findToken(field.token, from: position) else { continue }
            if let current = best, current.1 <= index { continue }
            best = (field, index)
        }
        return best
    }

    /// Where the value starting at `start` ends: at a " |" followed (after blanks) by a field name
    /// or the end of the line; else at the end of the line.
    private static func endOfValue(in bytes: LineBytes, from start: Int) -> Int {
        var search = start
        while let delimiterAt = bytes.find(delimiter, from: search) {
            var next = delimiterAt + delimiter.count
            while next < bytes.count, LineBytes.isBlank(bytes[next]) { next += 1 }
            if next == bytes.count || tokens.contains(where: { bytes.matches($0, at: next) }) {
                return delimiterAt
            }
            search = delimiterAt + 1
        }
        return bytes.count
    }
}
