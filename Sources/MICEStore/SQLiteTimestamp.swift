// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Timestamps as SQLite text, in GRDB's storage format for `Date` (`yyyy-MM-dd HH:mm:ss.SSS`,
/// UTC), made without a `DateFormatter`: the formatter took a sixth of the raw-log store's CPU.
public enum SQLiteTimestamp {
    /// `date` as GRDB stores it (milliseconds truncated, as GRDB's formatter does).
    public static func text(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard milliseconds.isFinite, abs(milliseconds) < 1e15 else { return "" }
        let total = Int64(milliseconds)
        var seconds = time_t(total >= 0 ? total / 1000 : (total - 999) / 1000)
        let millis = Int(total - Int64(seconds) * 1000)
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return "" }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(23)
        func put(_ value: Int, digits: Int) {
            var divisor = 1
            for _ in 1..<digits { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        put(Int(parts.tm_year) + 1900, digits: 4)
        bytes.append(UInt8(ascii: "-"))
        put(Int(parts.tm_mon) + 1, digits: 2)
        bytes.append(UInt8(ascii: "-"))
        put(Int(parts.tm_mday), digits: 2)
        bytes.append(UInt8(ascii: " "))
        put(Int(parts.tm_hour), digits: 2)
        bytes.append(UInt8(ascii: ":"))
        put(Int(parts.tm_min), digits: 2)
        bytes.append(UInt8(ascii: ":"))
        put(Int(parts.tm_sec), digits: 2)
        bytes.append(UInt8(ascii: "."))
        put(millis, digits: 3)
        return String(decoding: bytes, as: UTF8.self)
    }
}
