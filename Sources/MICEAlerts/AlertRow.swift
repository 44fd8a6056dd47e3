// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore

/// One row of `alert_entry`: one IDMEF `Alert` received by the management host (spec §9, with
/// proper types: a primary key, the time of receipt as a timestamp instead of the original's local
/// date and time strings, the parse outcome and the reaction IDs it triggered).
public struct AlertRow: Hashable, Sendable {
    /// The primary key (`entry_id`); 0 before the row is stored.
    public var entryID: Int64
    /// When the management host received the message.
    public var receivedAt: Date
    /// The alert ID of the match files it matched (e.g. "0x1020"), nil when none matched.
    public var alertID: String?
    /// That alert ID's description.
    public var alertDescription: String?
    /// The first classification name.
    public var classification: String?
    /// The analyzer's ID.
    public var analyzerID: String?
    /// The alert's own identifier.
    public var alertIdent: String?
    /// `CreateTime` as written in the IDMEF.
    public var createTime: String?
    /// The first source.
    public var source: IdmefAlert.Party
    /// The first target.
    public var target: IdmefAlert.Party
    /// The reaction IDs the alert triggered, ascending.
    public var reactions: [Int]
    /// How well the message parsed.
    public var parseStatus: IdmefParseResult.Status
    /// The whole IDMEF message as received.
    public var idmefMessage: String

    public init(
        entryID: Int64 = 0, receivedAt: Date, alertID: String? = nil, alertDescription: String? = nil,
        classification: String? = nil, analyzerID: String? = nil, alertIdent: String? = nil,
        createTime: String? = nil, source: IdmefAlert.Party = .init(), target: IdmefAlert.Party = .init(),
        reactions: [Int] = [], parseStatus: IdmefParseResult.Status, idmefMessage: String
    ) {
        self.entryID = entryID
        self.receivedAt = receivedAt
        self.alertID = alertID
        self.alertDescription = alertDescription
        self.classification = classification
        self.analyzerID = analyzerID
        self.alertIdent = alertIdent
        self.createTime = createTime
        self.source = source
        self.target = target
        self.reactions = reactions
        self.parseStatus = parseStatus
        self.idmefMessage = idmefMessage
    }

    /// The row as a JSON object (column names as keys, `received_at` in ISO 8601 UTC).
    public var jsonObject: JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return .object([
            "entry_id": .int(entryID),
            "received_at": .string(AlertRow.isoFormat(receivedAt)),
            "alertid": text(alertID),
            "alertdesc": text(alertDescription),
            "classification": text(classification),
            "analyzerid": text(analyzerID),
            "alert_ident": text(alertIdent),
            "create_time": text(createTime),
            "source_address": text(source.address),
            "source_user": text(source.user),
            "source_process": text(source.process),
            "source_service": text(source.service),
            "target_address": text(target.address),
            "target_user": text(target.user),
            "target_process": text(target.process),
            "target_service": text(target.service),
            "reactions": .array(reactions.map { .int(Int64($0)) }),
            "parse_status": .string(parseStatus.rawValue),
            "idmefmsg": .string(idmefMessage),
        ])
    }

    /// `YYYY-MM-DDThh:mm:ss.sssZ`.
    public static func isoFormat(_ date: Date) -> String {
        var components = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(identifier: "UTC")!
        let parts = components.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2))T\(pad(parts.hour, 2)):"
            + "\(pad(parts.minute, 2)):\(pad(parts.second, 2)).\(pad((parts.nanosecond ?? 0) / 1_000_000, 3))Z"
    }
}
