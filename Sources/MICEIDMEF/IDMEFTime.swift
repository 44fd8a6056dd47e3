// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A point in time with the UTC offset it was observed in (RFC 4765 §3.2.6).
public struct IDMEFTime: Sendable, Hashable {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64
    /// Nanoseconds within the second (0..<1_000_000_000).
    public var nanoseconds: Int32
    /// The local offset from UTC in seconds (east positive).
    public var utcOffset: Int32

    public init(seconds: Int64, nanoseconds: Int32 = 0, utcOffset: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = max(0, min(999_999_999, nanoseconds))
        self.utcOffset = utcOffset
    }

    /// The time from seconds since the epoch as a floating-point number.
    public init(unixTime: Double, utcOffset: Int32 = 0) {
        let whole = unixTime.rounded(.down)
        self.init(
            seconds: Int64(whole), nanoseconds: Int32(((unixTime - whole) * 1e9).rounded(.down)),
            utcOffset: utcOffset)
    }

    /// The RFC 4765 date-time text: `YYYY-MM-DDThh:mm:ss.ssssss+hh:mm` in the local offset.
    public var text: String {
        let local = seconds + Int64(utcOffset)
        var days = local / 86_400
        var secondOfDay = local % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = IDMEFTime.civil(fromDays: days)
        var result = ""
        result.reserveCapacity(32)
        result += pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        result += pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        result += "." + pad(Int64(nanoseconds / 1000), 6)
        let offset = Int64(utcOffset)
        result += (offset < 0 ? "-" : "+") + pad(abs(offset) / 3600, 2) + ":" + pad(abs(offset) / 60 % 60, 2)
        return result
    }

    /// The NTP timestamp text `0xNNNNNNNN.0xNNNNNNNN` (RFC 4765 §3.2.7).
    public var ntpStamp: String {
        let ntpSeconds = UInt32(truncatingIfNeeded: seconds &+ 2_208_988_800)
        let fraction = UInt32(truncatingIfNeeded: (UInt64(nanoseconds) << 32) / 1_000_000_000)
        return "0x" + hex(ntpSeconds) + ".0x" + hex(fraction)
    }

    private func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian calendar).
    public static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Days since 1970-01-01 of a civil date (proleptic Gregorian calendar).
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let adjustedYear = month <= 2 ? year - 1 : year
        let era = (adjustedYear >= 0 ? adjustedYear : adjustedYear - 399) / 400
        let yearOfEra = adjustedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
