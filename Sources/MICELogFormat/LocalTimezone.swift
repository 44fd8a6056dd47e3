// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#endif

/// The local time zone as the enhanced format module records it in 0.2 records: `cTimezone`
/// "tzname[0] tzname[1]" (standard and daylight saving names) and `iDaylight` (whether the zone
/// has daylight saving time).
///
/// The names are read with `localtime_r` at the start of January and of July of the current year
/// rather than from the C library's `tzname` and `daylight` globals, which Swift 6 cannot read
/// safely; for a zone with no daylight saving time both names are the standard one ("UTC UTC"),
/// as `tzname` has them.
public struct LocalTimezone: Hashable, Sendable {
    /// "standard daylight", each "UNKNOWN" when the C library has none.
    public var names: [UInt8]
    /// 1 when the zone has daylight saving time this year, else 0.
    public var daylight: Int32

    /// Creates a value from given fields.
    public init(names: [UInt8], daylight: Int32) {
        self.names = names
        self.daylight = daylight
    }

    /// Reads the zone after `tzset()` (so `TZ` and /etc/localtime apply), once at start, as the
    /// original did.
    public static func current() -> LocalTimezone {
        tzset()
        var now = time(nil)
        var parts = tm()
        guard localtime_r(&now, &parts) != nil else {
            return LocalTimezone(names: Array("UNKNOWN UNKNOWN".utf8), daylight: -1)
        }
        var standard: String?
        var summer: String?
        for month: Int32 in [0, 6] {
            var probe = tm()
            probe.tm_year = parts.tm_year
            probe.tm_mon = month
            probe.tm_mday = 1
            probe.tm_hour = 12
            probe.tm_isdst = -1
            var instant = mktime(&probe)
            var local = tm()
            guard instant != -1, localtime_r(&instant, &local) != nil else { continue }
            let name = local.tm_zone.map { String(cString: $0) } ?? ""
            guard !name.isEmpty else { continue }
            if local.tm_isdst > 0 {
                summer = summer ?? name
            } else {
                standard = standard ?? name
            }
        }
        let first = standard ?? "UNKNOWN"
        let second = summer ?? standard ?? "UNKNOWN"
        return LocalTimezone(names: Array("\(first) \(second)".utf8), daylight: summer == nil ? 0 : 1)
    }
}
