// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An alert's severity, as `.acf` files write it.
public enum AlertSeverity: String, CaseIterable, Hashable, Sendable, Codable {
    case info = "SEV_INFO"
    case warning = "SEV_WARNING"
    case error = "SEV_ERROR"
    case attack = "SEV_ATTACK"

    /// The IDMEF impact severity (RFC 4765: info, low, medium, high).
    public var idmefSeverity: String {
        switch self {
        case .info: return "info"
        case .warning: return "low"
        case .error: return "medium"
        case .attack: return "high"
        }
    }
}
