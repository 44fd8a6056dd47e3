// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICERecords

/// The raw-log database of a log-storage host (the original `mice_mod_pop_mysql` tables):
/// `rawlog_line`, `scslog_line` and `firewall_line` with the original columns, proper types and
/// indexes. Backends: ``SQLiteRawLogStore`` (embedded default) and ``PostgresRawLogStore``.
///
/// Every statement is parameterized; no value is ever part of the SQL text.
public protocol RawLogStore: Sendable {
    /// Where the data lives, for messages (a file path, or a server without its password).
    var location: String { get }

    /// Stores `batch` in one transaction and returns after the commit: either every record is
    /// stored, or none is and the call throws ``StoreError`` (`writeFailed`, `connectionFailed`).
    /// Each record goes to the table of its `fileType` (``RawLogTable/forFileType(_:)``).
    /// - Parameters:
    ///   - batch: The records, in order.
    ///   - receivedAt: The `received_at` of every row.
    /// - Returns: The number of rows stored (`batch.count`).
    @discardableResult
    func insert(batch: [LogFormat], receivedAt: Date) async throws -> Int

    /// The rows matching `query`, in ``RawLogQuery`` order, at most `query.limit`.
    func query(_ query: RawLogQuery) async throws -> [RawLogRow]

    /// The number of rows in `table`.
    func count(_ table: RawLogTable) async throws -> Int

    /// Closes the database; later calls throw ``StoreError`` `closed`.
    func close() async throws
}

extension RawLogStore {
    /// Stores `batch` with the current time as `received_at`; see ``insert(batch:receivedAt:)``.
    @discardableResult
    public func insert(batch: [LogFormat]) async throws -> Int {
        try await insert(batch: batch, receivedAt: Date())
    }

    /// The rows of every table matching all the criteria given.
    public func query(
        host: String? = nil, from: Date? = nil, to: Date? = nil, text: String? = nil,
        limit: Int = RawLogQuery.defaultLimit
    ) async throws -> [RawLogRow] {
        try await query(RawLogQuery(host: host, from: from, to: to, text: text, limit: limit))
    }

    /// The number of rows over all tables.
    public func totalCount() async throws -> Int {
        var total = 0
        for table in RawLogTable.allCases { total += try await count(table) }
        return total
    }
}
