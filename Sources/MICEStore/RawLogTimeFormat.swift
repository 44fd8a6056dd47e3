// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// How stored times are written for people and for JSON.
public enum RawLogTimeFormat {
    /// `2004-09-05T16:55:00.000Z`.
    public static func iso8601(_ date: Date) -> String {
        let (fields, milliseconds) = components(date, in: TimeZone(identifier: "UTC")!)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", fields.year ?? 0, fields.month ?? 0, fields.day ?? 0,
            fields.hour ?? 0, fields.minute ?? 0, fields.second ?? 0, milliseconds)
    }

    /// `2004-09-05 18:55:00` in `timeZone`.
    public static func local(_ date: Date, in timeZone: TimeZone) -> String {
        let (fields, _) = components(date, in: timeZone)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d", fields.year ?? 0, fields.month ?? 0, fields.day ?? 0,
            fields.hour ?? 0, fields.minute ?? 0, fields.second ?? 0)
    }

    private static func components(_ date: Date, in timeZone: TimeZone) -> (DateComponents, Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let milliseconds = min(999, Int(((date.timeIntervalSince1970 - seconds) * 1000).rounded()))
        let fields = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds))
        return (fields, milliseconds)
    }
}
