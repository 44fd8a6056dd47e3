// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// What ``IdmefParser`` made of one message.
public struct IdmefParseResult: Hashable, Sendable {
    /// How well the message parsed.
    public enum Status: String, Hashable, Sendable, CaseIterable {
        /// Well-formed XML with at least one `Alert`.
        case parsed
        /// Broken XML from which libxml2's recovery still got at least one `Alert`.
        case recovered
        /// No `Alert` could be read (not XML, no IDMEF-Message, empty).
        case unparsable
    }

    /// How well the message parsed.
    public var status: Status
    /// The alerts found, in document order (empty when ``status`` is `unparsable`).
    public var alerts: [IdmefAlert]
    /// The first parser error, when there was one.
    public var error: String?

    public init(status: Status, alerts: [IdmefAlert], error: String? = nil) {
        self.status = status
        self.alerts = alerts
        self.error = error
    }
}
