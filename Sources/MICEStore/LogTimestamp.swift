// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// Reading points in time: the records' local `cDate`/`cTime` ("YYYY/MM/DD", "HH:MM:SS") and the
/// times an operator types (`micectl logs query --from`).
public enum LogTimestamp {
    /// Parses an operator's time. Accepted forms, with `-` or `/` between the date's parts:
    /// `2004-09-05T18:55:00Z`, `2004-09-05T18:55:00.25+02:00`, `2004-09-05 18:55:00`,
    /// `2004/09/05 18:55:00`, `2004/09/05 18:55`, `2004-09-05` (midnight). A time without a zone
    /// (`Z`, `UTC`, `+HH:MM`, `+HHMM`, `+HH`) is in `defaultTimeZone`.
    /// - Returns: The point in time, or nil when `text` is none of these forms or not a real date.
    public static func parse(_ text: String, defaultTimeZone: TimeZone) -> Date? {
        guard let fields = Fields(Array(text.utf8)) else { return nil }
        return fields.date(defaultTimeZone: defaultTimeZone)
    }

    /// Converts records' date and time in one time zone (the zone the sending hosts use).
    struct Converter: Sendable {
        let timeZone: TimeZone
        private let calendar: Calendar

        init(timeZone: TimeZone) {
            self.timeZone = timeZone
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            self.calendar = calendar
        }

        /// The record's `cDate` and `cTime`, or nil when they do not form a real date and time.
        func date(recordDate: [UInt8], time: [UInt8]) -> Date? {
            guard !recordDate.isEmpty, recordDate.count <= 30, time.count <= 30 else { return nil }
            guard let fields = Fields(recordDate + [0x20] + time), fields.offsetSeconds == nil else { return nil }
            return fields.date(calendar: calendar)
        }
    }

    /// The parts of a written time.
    struct Fields {
        var year = 0
        var month = 0
        var day = 0
        var hour = 0
        var minute = 0
        var second = 0
        var fraction = 0.0
        /// The zone's offset from UTC when the text gave one.
        var offsetSeconds: Int?

        init?(_ bytes: [UInt8]) {
            var scanner = Scanner(bytes: bytes)
            scanner.skipSpaces()
            guard let year = scanner.number(digits: 4), let separator = scanner.take(oneOf: [0x2D, 0x2F]),
                let month = scanner.number(minDigits: 1, maxDigits: 2), scanner.take(separator),
                let day = scanner.number(minDigits: 1, maxDigits: 2)
            else { return nil }
            (self.year, self.month, self.day) = (year, month, day)
            let sawT = scanner.take(oneOf: [0x54, 0x74]) != nil
            let sawSpace = !sawT && scanner.skipSpaces() > 0
            if sawT || (sawSpace && !scanner.isAtEnd) {
                guard let hour = scanner.number(minDigits: 1, maxDigits: 2), scanner.take(0x3A),
                    let minute = scanner.number(digits: 2)
                else { return nil }
                (self.hour, self.minute) = (hour, minute)
                if scanner.take(0x3A) {
                    guard let second = scanner.number(digits: 2) else { return nil }
                    self.second = second
                    if scanner.take(0x2E) || scanner.take(0x2C) {
                        guard let fraction = scanner.fraction() else { return nil }
                        self.fraction = fraction
                    }
                }
                scanner.skipSpaces()
                if !scanner.isAtEnd {
                    guard let offset = scanner.zoneOffset() else { return nil }
                    offsetSeconds = offset
                }
            }
            scanner.skipSpaces()
            guard scanner.isAtEnd, isValid else { return nil }
        }

        private var isValid: Bool {
            guard (1...9999).contains(year), (1...12).contains(month), (0...23).contains(hour),
                (0...59).contains(minute), (0...60).contains(second)
            else { return false }
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
            return (1...days).contains(day)
        }

        func date(defaultTimeZone: TimeZone) -> Date? {
            if let offsetSeconds {
                return Date(timeIntervalSince1970: Double(epochSeconds - offsetSeconds) + fraction)
            }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = defaultTimeZone
            return date(calendar: calendar)
        }

        func date(calendar: Calendar) -> Date? {
            if calendar.timeZone.identifier == "UTC" || calendar.timeZone.identifier == "GMT" {
                return Date(timeIntervalSince1970: Double(epochSeconds) + fraction)
            }
            let components = DateComponents(
                year: year, month: month, day: day, hour: hour, minute: minute, second: second)
            return calendar.date(from: components).map { $0.addingTimeInterval(fraction) }
        }

        /// Seconds since 1970 of the fields read as UTC (days-from-civil, proleptic Gregorian).
        private var epochSeconds: Int {
            let shiftedYear = month <= 2 ? year - 1 : year
            let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
            let yearOfEra = shiftedYear - era * 400
            let shiftedMonth = month > 2 ? month - 3 : month + 9
            let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            let days = era * 146_097 + dayOfEra - 719_468
            return days * 86_400 + hour * 3_600 + minute * 60 + second
        }
    }

    /// A cursor over ASCII bytes.
    struct Scanner {
        let bytes: [UInt8]
        var index = 0

        var isAtEnd: Bool { index == bytes.count }

        @discardableResult
        mutating func skipSpaces() -> Int {
            let start = index
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
            return index - start
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func take(oneOf set: [UInt8]) -> UInt8? {
            guard index < bytes.count, set.contains(bytes[index]) else { return nil }
            index += 1
            return bytes[index - 1]
        }

        mutating func number(digits: Int) -> Int? { number(minDigits: digits, maxDigits: digits) }

        mutating func number(minDigits: Int, maxDigits: Int) -> Int? {
            var value = 0
            var count = 0
            while count < maxDigits, index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                value = value * 10 + Int(bytes[index] - 0x30)
                index += 1
                count += 1
            }
            return count >= minDigits ? value : nil
        }

        mutating func fraction() -> Double? {
            var value = 0.0
            var scale = 0.1
            var count = 0
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                if count < 9 { value += Double(bytes[index] - 0x30) * scale }
                scale /= 10
                index += 1
                count += 1
            }
            return count > 0 ? value : nil
        }

        /// `Z`, `UTC`, `GMT`, `+HH`, `+HHMM` or `+HH:MM` (or `-`), as seconds east of UTC.
        mutating func zoneOffset() -> Int? {
            if take(0x5A) || take(0x7A) { return 0 }
            let rest = String(decoding: bytes[index...], as: UTF8.self)
            if rest == "UTC" || rest == "GMT" {
                index = bytes.count
                return 0
            }
            guard let sign = take(oneOf: [0x2B, 0x2D]), let hours = number(digits: 2), hours <= 23 else { return nil }
            var minutes = 0
            if take(0x3A) {
                guard let value = number(digits: 2) else { return nil }
                minutes = value
            } else if let value = number(minDigits: 2, maxDigits: 2) {
                minutes = value
            }
            guard minutes <= 59 else { return nil }
            let seconds = hours * 3_600 + minutes * 60
            return sign == 0x2D ? -seconds : seconds
        }
    }
}
