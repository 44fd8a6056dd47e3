// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords

/// The arguments `mice-agent-shell` passes to its script for one RIDMsgFormat record, in this
/// order: alert ID, reaction ID, classification, analyzer ID, source address, target address,
/// description. Every value is checked before it is passed: the IDs, addresses and the
/// classification must be plain tokens (letters, digits, `.`, `:`, `_`, `-`, `/`, at most 255
/// bytes), else `-` is passed; the description has its control characters replaced by blanks and
/// is cut to 2000 bytes. No value ever starts with `-` unless it is exactly `-`, so a script cannot
/// mistake one for an option. The whole IDMEF message goes to the script's standard input.
public struct AlertScriptArguments: Hashable, Sendable {
    /// The values, in order.
    public var values: [String]

    /// The names of the values, in order (documentation and the `MICE_ALERT_*` variable names).
    public static let names = [
        "alertid", "reactionid", "classification", "analyzerid", "source", "target", "description",
    ]

    public init(record: RIDMsgFormat) {
        let parsed = IdmefParser.parse(record.idmefMessage).alerts.first
        values = [
            Self.token(String(decoding: record.alertID, as: UTF8.self)),
            String(record.reactionID),
            Self.token(parsed?.classifications.first),
            Self.token(parsed?.analyzerID),
            Self.token(parsed?.source.address),
            Self.token(parsed?.target.address),
            Self.text(String(decoding: record.alertIDDescription, as: UTF8.self)),
        ]
    }

    /// `value` when it is a plain token, else `-`.
    static func token(_ value: String?) -> String {
        guard let value, !value.isEmpty, value.utf8.count <= 255, !value.hasPrefix("-") else { return "-" }
        let allowed = value.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", ":", "_", "-", "/": return true
            default: return false
            }
        }
        return allowed ? value : "-"
    }

    /// `value` with control characters as blanks, cut to 2000 bytes, a leading `-` replaced by a blank.
    static func text(_ value: String) -> String {
        var scalars = String.UnicodeScalarView()
        var bytes = 0
        for scalar in value.unicodeScalars {
            let clean: Unicode.Scalar = scalar.value < 0x20 || scalar.value == 0x7F ? " " : scalar
            bytes += String(clean).utf8.count
            if bytes > 2000 { break }
            scalars.append(clean)
        }
        var text = String(scalars)
        if text.hasPrefix("-") { text = " " + text.dropFirst() }
        return text.isEmpty ? "-" : text
    }
}
