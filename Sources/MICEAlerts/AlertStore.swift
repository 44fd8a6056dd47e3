// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// The alert database of the management host (`alert_entry`): ``SQLiteAlertStore`` (embedded
/// default) or ``PostgresAlertStore``. Every statement is parameterized; a batch is one
/// transaction.
public protocol AlertStore: Sendable {
    /// Where the data lives (a file, or a server without its password).
    var location: String { get }

    /// Stores `rows` in one transaction; returns after the commit, or throws and stored nothing.
    @discardableResult
    func insert(_ rows: [AlertRow]) async throws -> Int

    /// The rows matching `query`.
    func query(_ query: AlertQuery) async throws -> [AlertRow]

    /// The number of rows.
    func count() async throws -> Int

    /// Closes the store.
    func close() async throws
}
