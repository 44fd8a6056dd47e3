// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// What a reaction module answers in its REPLY data (JSON): the daemon logs `summary` and keeps
/// the reaction in its list of what is in force under `key` (or removes it when `inForce` is
/// false); docs/reactiondaemon.md section 5.
public struct ReactionReport: Codable, Hashable, Sendable {
    /// Identifies the countermeasure (`block:198.51.100.7`); nil for one-shot actions.
    public var key: String?
    /// One line for the log and `micectl reactions list`.
    public var summary: String
    /// False when this call undid the countermeasure of `key`.
    public var inForce: Bool
    /// Seconds since the epoch when it ends by itself.
    public var expiresAt: Int64?
    /// Whether nothing was changed (dry-run).
    public var dryRun: Bool

    /// Creates a report.
    public init(key: String?, summary: String, inForce: Bool = true, expiresAt: Int64? = nil, dryRun: Bool) {
        self.key = key
        self.summary = summary
        self.inForce = inForce
        self.expiresAt = expiresAt
        self.dryRun = dryRun
    }

    /// The JSON bytes for the REPLY.
    public var encoded: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(self))) ?? []
    }

    /// The argument string of a CALL split into tokens (the daemon has checked them already).
    /// - Parameter data: The CALL data.
    /// - Returns: The tokens.
    public static func tokens(_ data: UnsafeRawBufferPointer) -> [String] {
        data.prefix { $0 != 0 }.split(separator: 0x20).map { String(decoding: $0, as: UTF8.self) }
    }
}
