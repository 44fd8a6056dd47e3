// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The two recorders of the NFR distribution.
public enum RecorderKind: String, Hashable, Sendable, Codable {
    /// Every record is a new row.
    case list
    /// A row per distinct key (the record without its time column) with a count.
    case histogram
}
