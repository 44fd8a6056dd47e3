// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// What to look for in the raw-log database. Every criterion that is set must hold.
public struct RawLogQuery: Hashable, Sendable {
    /// Rows whose `hostname` is exactly this.
    public var host: String?
    /// Rows whose `logged_at` is at or after this.
    public var from: Date?
    /// Rows whose `logged_at` is at or before this.
    public var to: Date?
    /// Rows whose log line contains these bytes (case-sensitive; the line's exact bytes are searched).
    public var text: [UInt8]?
    /// The most rows returned, over all tables.
    public var limit: Int
    /// The tables searched.
    public var tables: Set<RawLogTable>
    /// Newest rows first (and the limit keeps the newest) instead of oldest first.
    public var newestFirst: Bool

    /// The default limit.
    public static let defaultLimit = 100

    public init(
        host: String? = nil, from: Date? = nil, to: Date? = nil, text: String? = nil,
        limit: Int = RawLogQuery.defaultLimit, tables: Set<RawLogTable> = Set(RawLogTable.allCases),
        newestFirst: Bool = false
    ) {
        self.host = host
        self.from = from
        self.to = to
        self.text = text.map { Array($0.utf8) }
        self.limit = limit
        self.tables = tables
        self.newestFirst = newestFirst
    }

    /// Rows in result order: by `logged_at`, then table, then `line_id` (reversed for newest first).
    func isOrdered(_ lhs: RawLogRow, before rhs: RawLogRow) -> Bool {
        let forward =
            (lhs.loggedAt, lhs.table, lhs.lineID) < (rhs.loggedAt, rhs.table, rhs.lineID)
        let equal = lhs.loggedAt == rhs.loggedAt && lhs.table == rhs.table && lhs.lineID == rhs.lineID
        return newestFirst ? !forward && !equal : forward
    }

    /// Merges the rows of each table (each already in order and limited) into the result.
    func merge(_ rows: [RawLogRow]) -> [RawLogRow] {
        Array(rows.sorted(by: isOrdered).prefix(max(limit, 0)))
    }
}
