// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#endif

/// Local date "YYYY/MM/DD" and time "HH:MM:SS" of reading a line, formatted once per second.
///
/// The year comes from `strftime`, not from the original's "19"/"20" prefix hack (spec section 11,
/// item 20), so it is right after 2099 too.
public struct LocalClock: Sendable {
    private var second: time_t = -1
    private var cached: ([UInt8], [UInt8]) = ([], [])

    /// A clock that formats on first use.
    public init() {}

    /// The current local date and time; "ERROR" for both when the time cannot be converted.
    public mutating func now() -> (date: [UInt8], time: [UInt8]) {
        format(time(nil))
    }

    /// The local date and time of `instant` (seconds since the epoch).
    public mutating func format(_ instant: time_t) -> (date: [UInt8], time: [UInt8]) {
        var instant = instant
        if instant == second { return cached }
        second = instant
        var parts = tm()
        guard localtime_r(&instant, &parts) != nil else {
            cached = (Array("ERROR".utf8), Array("ERROR".utf8))
            return cached
        }
        var buffer = [CChar](repeating: 0, count: 32)
        let dateLength = strftime(&buffer, buffer.count, "%Y/%m/%d", &parts)
        let date = buffer.prefix(dateLength).map { UInt8(bitPattern: $0) }
        let timeLength = strftime(&buffer, buffer.count, "%H:%M:%S", &parts)
        let clock = buffer.prefix(timeLength).map { UInt8(bitPattern: $0) }
        cached = (date, clock)
        return cached
    }
}
