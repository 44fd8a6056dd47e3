// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICERecords

/// The mail of a batch of alerts: RFC 5322 header (From, To, Subject with the prefix, the count
/// and the alert IDs, Date, Message-ID, UTF-8 plain text) and one section per alert (alert ID,
/// description, reaction ID, the IDMEF message). Header values are cut at CR, LF and other
/// control characters, so an alert cannot add header lines.
public struct AlertMail: Hashable, Sendable {
    /// The sender address.
    public var from: String
    /// The recipient addresses.
    public var to: [String]
    /// The text the subject starts with.
    public var subjectPrefix: String

    public init(from: String, to: [String], subjectPrefix: String) {
        self.from = from
        self.to = to
        self.subjectPrefix = subjectPrefix
    }

    /// The subject of a mail carrying `records`: `<prefix> 3 alerts: 0x1020 (2), 0x8010`.
    public func subject(_ records: [RIDMsgFormat]) -> String {
        var counts: [(id: String, count: Int)] = []
        for record in records {
            let id = Self.headerSafe(String(decoding: record.alertID, as: UTF8.self), asciiOnly: true)
            if let index = counts.firstIndex(where: { $0.id == id }) {
                counts[index].count += 1
            } else {
                counts.append((id, 1))
            }
        }
        let ids = counts.prefix(8).map { $0.count > 1 ? "\($0.id) (\($0.count))" : $0.id }.joined(separator: ", ")
        let noun = records.count == 1 ? "alert" : "alerts"
        let prefix = Self.headerSafe(subjectPrefix, asciiOnly: true)
        return (prefix.isEmpty ? "" : prefix + " ") + "\(records.count) \(noun): \(ids)"
            + (counts.count > 8 ? ", ..." : "")
    }

    /// The whole message (LF line ends; the SMTP client sends CRLF).
    public func message(_ records: [RIDMsgFormat], date: Date = Date(), host: String = "localhost") -> String {
        var text = "From: <\(Self.headerSafe(from, asciiOnly: true))>\n"
        text += "To: " + to.map { "<\(Self.headerSafe($0, asciiOnly: true))>" }.joined(separator: ", ") + "\n"
        text += "Subject: \(subject(records))\n"
        text += "Date: \(Self.rfc5322Date(date))\n"
        text += "Message-ID: <mice-\(UUID().uuidString.lowercased())@\(Self.headerSafe(host, asciiOnly: true))>\n"
        text += "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n"
        text += "X-Mailer: M-ICE mice-agent-mail\n\n"
        text += "M-ICE management host: \(records.count) alert\(records.count == 1 ? "" : "s").\n"
        for (index, record) in records.enumerated() {
            text += "\n--- alert \(index + 1) of \(records.count) ---\n"
            text += "AlertID: \(String(decoding: record.alertID, as: UTF8.self))\n"
            text += "AlertID Description: \(String(decoding: record.alertIDDescription, as: UTF8.self))\n"
            text += "Reaction ID: \(record.reactionID)\n"
            text += "IDMEF Msg:\n\(String(decoding: record.idmefMessage, as: UTF8.self))\n"
        }
        return text
    }

    /// `value` cut at its first CR or LF, other control characters (and non-ASCII when asked)
    /// replaced by `?`.
    static func headerSafe(_ value: String, asciiOnly: Bool) -> String {
        let line = value.prefix { $0 != "\r" && $0 != "\n" && $0 != "\r\n" }
        return String(
            line.unicodeScalars.map { scalar -> Character in
                if scalar.value < 0x20 || scalar.value == 0x7F || (asciiOnly && scalar.value > 0x7E) { return "?" }
                return Character(scalar)
            })
    }

    /// `Sun, 05 Sep 2004 18:55:00 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
