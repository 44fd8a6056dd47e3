// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An error of the raw-log database: opening it, its schema, a write or a query.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case invalidSettings, openFailed, migrationFailed, writeFailed, queryFailed, connectionFailed
            case closed
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A setting (path, URL, option) cannot be used; `key` names it.
        public static let invalidSettings = Code(.invalidSettings)
        /// The database could not be opened or created.
        public static let openFailed = Code(.openFailed)
        /// The schema could not be created or upgraded.
        public static let migrationFailed = Code(.migrationFailed)
        /// A batch was not committed; none of its rows were stored.
        public static let writeFailed = Code(.writeFailed)
        /// A query failed.
        public static let queryFailed = Code(.queryFailed)
        /// The database server could not be reached or the connection broke.
        public static let connectionFailed = Code(.connectionFailed)
        /// The store was closed.
        public static let closed = Code(.closed)

        public var description: String {
            switch base {
            case .invalidSettings: return "invalid settings"
            case .openFailed: return "cannot open the database"
            case .migrationFailed: return "schema migration failed"
            case .writeFailed: return "write failed"
            case .queryFailed: return "query failed"
            case .connectionFailed: return "connection failed"
            case .closed: return "store closed"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The setting or option at fault (`path`, `url`, `port`, ...), when one is.
    public var key: String?
    /// Where: the database file or server (never with a password).
    public var location: String?
    /// Human-readable detail, including the underlying database error.
    public var detail: String

    public init(_ code: Code, key: String? = nil, location: String? = nil, _ detail: String) {
        self.code = code
        self.key = key
        self.location = location
        self.detail = detail
    }

    public var description: String {
        var text = "\(code)"
        if let location { text += " (\(location))" }
        if let key { text += ": key \"\(key)\"" }
        return text + ": " + detail
    }
}
