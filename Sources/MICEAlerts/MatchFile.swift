// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEConfig

/// An original act-generic match file (spec §7.3.7, parsecfg INI): `[ALERT_ID] AID` lists the
/// alert IDs (IDMEF classification names), `[ALERT_ID_DESCRIPTION] AID_DESC` their descriptions
/// (parallel list), `[RID_k] AID_k` (k = 1…10) the alert IDs that trigger reaction k.
///
/// Sections RID_1…RID_10 may be missing or empty; other sections and keys are errors. An AID_k
/// entry that is not in ALERT_ID is ignored (as in the original) and reported in ``ignored``.
public struct MatchFile: Hashable, Sendable {
    /// The highest reaction ID.
    public static let maximumReactionID = 10

    /// The file.
    public var file: String
    /// Alert IDs in file order.
    public var alertIDs: [String]
    /// Description per alert ID (uppercased key).
    public var descriptions: [String: String]
    /// Alert IDs (as written in ALERT_ID) per reaction ID.
    public var reactions: [Int: [String]]
    /// `AID_k` entries left out because ALERT_ID does not list them.
    public var ignored: [String]

    /// Reads and checks a match file.
    /// - Throws: ``AlertConfigError`` naming the file, line and key.
    public static func load(path: String) throws(AlertConfigError) -> MatchFile {
        let document: ConfigDocument
        do {
            document = try ConfigDocument.load(path: path)
        } catch {
            throw AlertConfigError(.matchFile, file: path, "\(error)")
        }
        return try MatchFile(document: document)
    }

    /// Parses match-file text.
    public static func parse(_ text: String, file: String) throws(AlertConfigError) -> MatchFile {
        do {
            return try MatchFile(document: try ConfigDocument.parse(text, file: file))
        } catch let error as AlertConfigError {
            throw error
        } catch {
            throw AlertConfigError(.matchFile, file: file, "\(error)")
        }
    }

    init(document: ConfigDocument) throws(AlertConfigError) {
        file = document.file
        var ids: [ConfigDocument.Value] = []
        var descriptionValues: [ConfigDocument.Value] = []
        var reactionValues: [Int: [ConfigDocument.Value]] = [:]
        for section in document.sections {
            let name = section.canonicalName
            for entry in section.entries {
                let key = entry.canonicalKey
                switch (name, key) {
                case ("ALERT_ID", "AID"): ids += entry.values
                case ("ALERT_ID_DESCRIPTION", "AID_DESC"): descriptionValues += entry.values
                default:
                    guard name.hasPrefix("RID_"), let k = Int(name.dropFirst(4)),
                        (1...Self.maximumReactionID).contains(k), key == "AID_\(k)"
                    else {
                        throw AlertConfigError(
                            .matchFile, file: document.file, line: entry.line, key: entry.key,
                            "not a key of a match file in section [\(section.name)] (ALERT_ID: AID, "
                                + "ALERT_ID_DESCRIPTION: AID_DESC, RID_k: AID_k with k = 1…10)")
                    }
                    reactionValues[k, default: []] += entry.values
                }
            }
        }
        guard !ids.isEmpty else {
            throw AlertConfigError(.matchFile, file: document.file, key: "AID", "no alert IDs in [ALERT_ID]")
        }
        guard descriptionValues.count == ids.count else {
            throw AlertConfigError(
                .matchFile, file: document.file, line: descriptionValues.first?.line, key: "AID_DESC",
                "\(descriptionValues.count) descriptions for \(ids.count) alert IDs (the lists are parallel)")
        }
        alertIDs = ids.map(\.text)
        descriptions = [:]
        for (id, description) in zip(ids, descriptionValues) { descriptions[id.text.uppercased()] = description.text }
        reactions = [:]
        ignored = []
        for (k, values) in reactionValues {
            for value in values where !value.text.isEmpty {
                if let id = alertIDs.first(where: { $0.caseInsensitiveCompare(value.text) }) {
                    if !(reactions[k]?.contains(id) ?? false) { reactions[k, default: []].append(id) }
                } else {
                    ignored.append("RID_\(k): \(value.text) (line \(value.line))")
                }
            }
        }
    }
}

extension String {
    /// Case-insensitive equality of ASCII letters, as the original's `strcasecmp`.
    func caseInsensitiveCompare(_ other: String) -> Bool {
        self.utf8.count == other.utf8.count
            && zip(self.utf8, other.utf8).allSatisfy { lower($0) == lower($1) }
    }

    private func lower(_ byte: UInt8) -> UInt8 { (65...90).contains(byte) ? byte + 32 : byte }
}
