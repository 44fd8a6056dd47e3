// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Which architecture's `stReactionMsg` a link uses. The sizes differ because `time_t` and the
/// pointer array in `stAllMsg` differ; the two variants do not interoperate. x86_64 is the
/// project's default.
public enum ReactionArchitecture: String, Hashable, Sendable, CaseIterable {
    /// 32-bit x86: `stReactionMsg` 20572 bytes, `stCipherRctMsg` 20596.
    case i386 = "i386"
    /// 64-bit x86: `stReactionMsg` 41064 bytes, `stCipherRctMsg` 41088.
    case x86_64 = "x86_64"

    /// `sizeof(stReactionMsg)`.
    public var messageSize: Int {
        switch self {
        case .i386: return 20572
        case .x86_64: return 41064
        }
    }

    /// `sizeof(stCipherRctMsg)`.
    public var envelopeSize: Int { CipherMsg.size(innerSize: messageSize) }

    /// Offset of `Timestamp` (`time_t`, low 32 bits in network order).
    public var timestampOffset: Int {
        switch self {
        case .i386: return 4
        case .x86_64: return 8
        }
    }

    /// Offset of `Mode`.
    public var modeOffset: Int {
        switch self {
        case .i386: return 8
        case .x86_64: return 16
        }
    }

    /// Offset of the `ModeData` union.
    public var modeDataOffset: Int {
        switch self {
        case .i386: return 12
        case .x86_64: return 20
        }
    }

    /// Size of the `ModeData` union (that of `stAllMsg`, 20 × (4 + 256 pointers)).
    public var modeDataSize: Int {
        switch self {
        case .i386: return 20560
        case .x86_64: return 41040
        }
    }
}
