// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEIDMEF

/// Reads the time a log line carries, for replaying files with their own timing.
public enum LogTimestamp {
    private static let months: [String: Int64] = [
        "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10,
        "Nov": 11, "Dec": 12,
    ]

    /// Seconds since the epoch (as UTC) of a syslog `Mmm dd hh:mm:ss` prefix, in `year`;
    /// nil when the line does not start with one.
    public static func syslogTime(_ line: UnsafeRawBufferPointer, year: Int64) -> Double? {
        guard line.count >= 15, line[3] == 0x20, line[6] == 0x20, line[9] == 0x3A, line[12] == 0x3A else { return nil }
        let month = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<3]), as: UTF8.self)
        guard let monthNumber = months[month] else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let byte = line[index]
                if byte == 0x20 { continue }
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        guard let day = number(4..<6), let hour = number(7..<9), let minute = number(10..<12),
            let second = number(13..<15), day >= 1, day <= 31, hour < 24, minute < 60, second < 61
        else { return nil }
        let days = IDMEFTime.days(year: year, month: monthNumber, day: day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second)
    }
}
