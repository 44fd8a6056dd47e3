// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The kinds of record stream (a file or connection of back-to-back records of one type) that
/// tools read and write. Raw values are the names used on command lines.
public enum RecordStreamType: String, Hashable, Sendable, CaseIterable {
    /// Bare `LogFormat` records.
    case logFormat = "logformat"
    /// `CipherMsg`: LogFormat records in cipher envelopes (what the DataForwarder sends).
    case cipher = "cipher"
    /// Bare `IdmefMsgFormat` records.
    case idmef = "idmef"
    /// `CipherIdmefMsg`: IdmefMsgFormat records in cipher envelopes.
    case cipherIdmef = "cipher-idmef"
    /// `RIDMsgFormat` records (act-generic's FIFOs).
    case rid = "rid"
    /// Bare `stReactionMsg` records.
    case reaction = "reaction"
    /// `stCipherRctMsg`: stReactionMsg records in cipher envelopes.
    case cipherReaction = "cipher-reaction"

    /// Whether each record is wrapped in a ``CipherMsg`` envelope.
    public var isEnveloped: Bool {
        switch self {
        case .cipher, .cipherIdmef, .cipherReaction: return true
        case .logFormat, .idmef, .rid, .reaction: return false
        }
    }

    /// The (inner) record kind of the stream.
    /// - Parameters:
    ///   - layout: The LogFormat layout, for LogFormat streams.
    ///   - architecture: The stReactionMsg variant, for reaction streams.
    /// - Returns: The record kind.
    public func recordKind(layout: LogFormatLayout = .seed, architecture: ReactionArchitecture = .x86_64)
        -> RecordKind
    {
        switch self {
        case .logFormat, .cipher: return .logFormat(layout)
        case .idmef, .cipherIdmef: return .idmefMessage
        case .rid: return .ridMessage
        case .reaction, .cipherReaction: return .reactionMessage(architecture)
        }
    }
}
