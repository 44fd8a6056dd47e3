// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEIDMEF

/// Reads the time a log line carries, for replaying files with their own timing.
public enum LogTimestamp {
    /// The month number of a three-letter English month name (as syslog writes it), 0 if none.
    @inline(__always)
    private static func month(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int64 {
        switch (a, b, c) {
        case (0x4A, 0x61, 0x6E): 1  // Jan
        case (0x46, 0x65, 0x62): 2  // Feb
        case (0x4D, 0x61, 0x72): 3  // Mar
        case (0x41, 0x70, 0x72): 4  // Apr
        case (0x4D, 0x61, 0x79): 5  // May
        case (0x4A, 0x75, 0x6E): 6  // Jun
        case (0x4A, 0x75, 0x6C): 7  // Jul
        case (0x41, 0x75, 0x67): 8  // Aug
        case (0x53, 0x65, 0x70): 9  // Sep
        case (0x4F, 0x63, 0x74): 10  // Oct
        case (0x4E, 0x6F, 0x76): 11  // Nov
        case (0x44, 0x65, 0x63): 12  // Dec
        default: 0
        }
    }

    /// Seconds since the epoch (as UTC) of a syslog `Mmm dd hh:mm:ss` prefix, in `year`;
    /// nil when the line does not start with one.
    public static func syslogTime(_ line: UnsafeRawBufferPointer, year: Int64) -> Double? {
        guard line.count >= 15, line[3] == 0x20, line[6] == 0x20, line[9] == 0x3A, line[12] == 0x3A else { return nil }
        let monthNumber = month(line[0], line[1], line[2])
        guard monthNumber > 0 else { return nil }
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
