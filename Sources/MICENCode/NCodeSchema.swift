// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A recorder schema, as `library_schema:new(1, [ "time", "ip", "int" ], scope())` builds it.
public struct NCodeSchema: Hashable, Sendable {
    /// The first argument (always 1 in NFR's backends).
    public var version: Int
    /// The column type names, in order (`time`, `ip`, `int`, `string` ...); non-strings are printed.
    public var columns: [String]
    /// The scope the schema was made in (`id:new_badhosts`).
    public var scope: String

    public init(version: Int, columns: [String], scope: String) {
        self.version = version
        self.columns = columns
        self.scope = scope
    }
}
