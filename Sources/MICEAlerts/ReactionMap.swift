// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The act-generic mapping (spec §7.3.7) from an alert to the reactions it triggers, fixed where
/// the original was wrong: the reaction ID of a FIFO is its RID value (not its list position),
/// every RID_k section is read (no RID_6/RID_7 mix-up), and a match file applies only to alerts of
/// its analyzer (ANAID; `*` matches every analyzer).
public struct ReactionMap: Hashable, Sendable {
    /// One reaction an alert triggers.
    public struct Reaction: Hashable, Sendable {
        /// The reaction ID (1…10).
        public var reactionID: Int
        /// The alert ID of the match file that matched.
        public var alertID: String
        /// Its description.
        public var description: String

        public init(reactionID: Int, alertID: String, description: String) {
            self.reactionID = reactionID
            self.alertID = alertID
            self.description = description
        }
    }

    /// Match files with the analyzer each applies to.
    public var matchFiles: [(analyzer: String, file: MatchFile)] {
        zip(analyzers, files).map { ($0, $1) }
    }
    private var analyzers: [String]
    private var files: [MatchFile]

    /// A map over `matchFiles`, each for its analyzer ID.
    public init(matchFiles: [(analyzer: String, file: MatchFile)]) {
        analyzers = matchFiles.map(\.analyzer)
        files = matchFiles.map(\.file)
    }

    /// The first alert ID (with its description) any classification of `alert` matches, for the
    /// alert database; nil when none does.
    public func alertID(for alert: IdmefAlert) -> (id: String, description: String)? {
        for (analyzer, file) in zip(analyzers, files) where applies(analyzer, to: alert) {
            for name in alert.classifications {
                if let id = file.alertIDs.first(where: { $0.caseInsensitiveCompare(name) }) {
                    return (id, file.descriptions[id.uppercased()] ?? "")
                }
            }
        }
        return nil
    }

    /// Every reaction `alert` triggers, at most once per reaction ID and alert ID, ordered by
    /// reaction ID.
    public func reactions(for alert: IdmefAlert) -> [Reaction] {
        var result: [Reaction] = []
        for (analyzer, file) in zip(analyzers, files) where applies(analyzer, to: alert) {
            for name in alert.classifications {
                for k in 1...MatchFile.maximumReactionID {
                    for id in file.reactions[k] ?? [] where id.caseInsensitiveCompare(name) {
                        if !result.contains(where: { $0.reactionID == k && $0.alertID == id }) {
                            result.append(
                                Reaction(
                                    reactionID: k, alertID: id, description: file.descriptions[id.uppercased()] ?? ""))
                        }
                    }
                }
            }
        }
        return result.sorted { ($0.reactionID, $0.alertID) < ($1.reactionID, $1.alertID) }
    }

    private func applies(_ analyzer: String, to alert: IdmefAlert) -> Bool {
        analyzer == "*" || analyzer == alert.analyzerID
    }
}
