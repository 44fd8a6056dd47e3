// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// A search of `alert_entry`: every criterion given must hold; rows come newest first unless
/// ``newestFirst`` is false, at most ``limit``.
public struct AlertQuery: Hashable, Sendable {
    /// The default ``limit``.
    public static let defaultLimit = 100

    /// Received at or after.
    public var from: Date?
    /// Received at or before.
    public var to: Date?
    /// `analyzerid` equals.
    public var analyzer: String?
    /// `alertid` or `classification` equals (case-insensitive, as the match files compare).
    public var alertID: String?
    /// `source_address` equals.
    public var source: String?
    /// Only this row (`entry_id`).
    public var entryID: Int64?
    /// The most rows returned.
    public var limit: Int
    /// Newest first (default) or oldest first.
    public var newestFirst: Bool

    public init(
        from: Date? = nil, to: Date? = nil, analyzer: String? = nil, alertID: String? = nil, source: String? = nil,
        entryID: Int64? = nil, limit: Int = defaultLimit, newestFirst: Bool = true
    ) {
        self.from = from
        self.to = to
        self.analyzer = analyzer
        self.alertID = alertID
        self.source = source
        self.entryID = entryID
        self.limit = limit
        self.newestFirst = newestFirst
    }
}
