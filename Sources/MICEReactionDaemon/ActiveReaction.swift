// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A countermeasure in force (an address blocked, an account locked), as the ReactionDaemon
/// keeps it in `STATEDIR/reactions.json` and `micectl reactions list` shows it.
public struct ActiveReaction: Codable, Hashable, Sendable {
    /// What the module said identifies it (`block:198.51.100.7`, `lock:alice`); a later
    /// reaction with the same key replaces it, or removes it when the module reports it undone.
    public var key: String
    /// The function ID that set it.
    public var functionID: UInt32
    /// The plugin that set it.
    public var plugin: String
    /// The request's argument string.
    public var arguments: String
    /// The alert ID of the request.
    public var alertID: String
    /// The module's one-line summary.
    public var summary: String
    /// Seconds since the epoch when it was set.
    public var since: Int64
    /// Seconds since the epoch when it ends by itself (a timed block), nil for "until undone".
    public var expiresAt: Int64?
    /// Whether the module only said what it would do (dry-run).
    public var dryRun: Bool

    /// Creates an entry.
    public init(
        key: String, functionID: UInt32, plugin: String, arguments: String, alertID: String, summary: String,
        since: Int64, expiresAt: Int64?, dryRun: Bool
    ) {
        self.key = key
        self.functionID = functionID
        self.plugin = plugin
        self.arguments = arguments
        self.alertID = alertID
        self.summary = summary
        self.since = since
        self.expiresAt = expiresAt
        self.dryRun = dryRun
    }

    /// Whether it is still in force at `now`.
    /// - Parameter now: Seconds since the epoch.
    public func isInForce(at now: Int64) -> Bool {
        guard let expiresAt else { return true }
        return expiresAt > now
    }
}
