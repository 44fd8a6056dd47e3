// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Crypto

/// Pseudonyms for the numeric `UID` and `EUID` fields of 0.2 scslog records, which hold a 32-bit
/// number and no text: a keyed permutation of 0 ..< 2^31 (an 8-round Feistel network over 32 bits
/// with HMAC-SHA256 round functions, cycle-walked into 31 bits) whose result is stored with the top
/// bit set, so a pseudonymized uid (2147483648 and up) never looks like a real one.
///
/// Stable and reversible with the key (`micectl pseudo reveal --uid-field N`), but, having no
/// room for an authenticator, not authenticated: any number at or above 2^31 "reveals" to some
/// uid. The text of the line carries the authenticated `uid-` pseudonym of the same uid. Values at
/// or above 2^31 (such as 4294967295, "no uid") are left as they are.
public struct UIDPermutation {
    /// The first pseudonymized value; real uids below it are mapped to it and above.
    public static let pseudonymBase: UInt32 = 0x8000_0000
    private static let rounds: UInt8 = 8

    private let key: SymmetricKey

    /// Derives the permutation's key from the master key.
    public init(key: PseudonymKey) {
        self.key = key.derive("uid-permutation")
    }

    /// The pseudonym of `uid`, or `uid` itself when it is 2^31 or more.
    public func pseudonymize(_ uid: UInt32) -> UInt32 {
        guard uid < Self.pseudonymBase else { return uid }
        var value = uid
        repeat { value = encrypt(value) } while value >= Self.pseudonymBase
        return value | Self.pseudonymBase
    }

    /// The uid behind a pseudonym made by ``pseudonymize(_:)``; nil below 2^31 (not a pseudonym).
    public func reveal(_ pseudonym: UInt32) -> UInt32? {
        guard pseudonym >= Self.pseudonymBase else { return nil }
        var value = pseudonym & ~Self.pseudonymBase
        repeat { value = decrypt(value) } while value >= Self.pseudonymBase
        return value
    }

    private func round(_ index: UInt8, _ half: UInt16) -> UInt16 {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: [index, UInt8(half >> 8), UInt8(half & 0xFF)])
        let code = Array(mac.finalize().prefix(2))
        return UInt16(code[0]) << 8 | UInt16(code[1])
    }

    private func encrypt(_ value: UInt32) -> UInt32 {
        var left = UInt16(value >> 16)
        var right = UInt16(value & 0xFFFF)
        for index in 0..<Self.rounds {
            (left, right) = (right, left ^ round(index, right))
        }
        return UInt32(left) << 16 | UInt32(right)
    }

    private func decrypt(_ value: UInt32) -> UInt32 {
        var left = UInt16(value >> 16)
        var right = UInt16(value & 0xFFFF)
        for index in (0..<Self.rounds).reversed() {
            (left, right) = (right ^ round(index, left), left)
        }
        return UInt32(left) << 16 | UInt32(right)
    }
}
