// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The kinds of module of the original M-ICE (spec section 7.3.0), plus reaction agents.
public enum ModuleKind: String, Codable, Sendable, CaseIterable {
    /// `int func(LogFormat *out, char *data, size_t len, u_int fileType)` in the DataForwarder.
    case format
    /// `int func(LogFormat *rec, u_int fileType)`: 1 drops the line.
    case filter
    /// `int func(LogFormat *rec, u_int fileType)`: rewrites identifiers in the record.
    case pseudonymizer
    /// `char *func(char *record, size_t size)` in the BufferDaemon: decrypts and verifies.
    case decoding
    /// `int func(char *decoded, size_t size)` in the BufferDaemon: stores, analyses, maps.
    case postprocessing
    /// `int func(char *arg, size_t argLen)` in the ReactionDaemon: one countermeasure.
    case reaction
    /// A reaction agent: a long-running process reading RIDMsgFormat records from its FIFO.
    case agent

    /// Whether a CALL of this kind starts with the 4-byte file type.
    public var callCarriesFileType: Bool {
        switch self {
        case .format, .filter, .pseudonymizer: return true
        default: return false
        }
    }

    /// Whether this kind is driven through CALL frames (agents read their FIFO instead).
    public var takesCalls: Bool { self != .agent }
}
