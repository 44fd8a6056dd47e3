// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Crypto

/// Deterministic authenticated encryption of identifiers in the SIV style (RFC 5297's idea, with
/// HMAC-SHA256 as the PRF), which makes pseudonyms stable (same key, kind and value give the same
/// pseudonym, so lines stay linkable) and reversible only with the key.
///
/// For a value V of kind K (one byte, see ``PseudonymKind``):
///
/// 1. T = the first 8 bytes of HMAC-SHA256(Kmac, K || V), the synthetic IV and authenticator;
/// 2. C = V XOR AES-256-CTR keystream under Kenc, counter block T || "mice" || counter (AES-GCM's
///    encryption with that 12-byte nonce, whose tag is not used: GCM's encryption is CTR mode);
/// 3. the pseudonym is the kind's prefix followed by base64url(T || C) without padding.
///
/// Kmac and Kenc are derived from the master key with HKDF-SHA256. Revealing decrypts C and
/// recomputes T: a pseudonym made under another key, or altered, does not authenticate (a chance
/// of 2^-64 that a forgery passes). Equal values give equal pseudonyms by design (that is what
/// makes them useful for analysis); beyond that, a pseudonym shows only the value's kind and
/// length. Two different values share a synthetic IV only after about 2^32 distinct values.
///
/// Length: prefix + ceil(4 * (8 + n) / 3) characters for an n-byte value; a user name of 4 bytes
/// gives 18 characters ("u-" + 16), an IPv4 address 19 ("ip-" + 16), an IPv6 address 35, a host
/// name of 30 bytes 53.
public struct PseudonymCipher {
    /// Bytes of the synthetic IV and authenticator at the start of every pseudonym.
    public static let tagByteCount = 8
    private static let nonceSuffix: [UInt8] = Array("mice".utf8)

    private let macKey: SymmetricKey
    private let encryptionKey: SymmetricKey

    /// Derives the cipher's keys from the master key.
    public init(key: PseudonymKey) {
        macKey = key.derive("siv-mac")
        encryptionKey = key.derive("ctr-encryption")
    }

    /// The pseudonym (text bytes) of a canonical value of `kind` (``PseudonymKind/canonicalValue(_:)``),
    /// or nil if the encryption failed (it does not with valid keys; callers then redact).
    public func seal(_ value: [UInt8], kind: PseudonymKind) -> [UInt8]? {
        let tag = authenticator(value, kind: kind)
        guard let ciphertext = keystreamXOR(value, tag: tag) else { return nil }
        var text = Array(kind.prefix.utf8)
        text.reserveCapacity(text.count + (tag.count + ciphertext.count + 2) / 3 * 4)
        Base64URL.encode(tag + ciphertext, into: &text)
        return text
    }

    /// The pseudonym of the identifier `text` of `kind`.
    /// - Throws: ``PseudonymError`` (`badValue`) when `text` is not of that kind (see
    ///   ``PseudonymKind/canonicalValue(_:)``).
    public func pseudonym(for text: String, kind: PseudonymKind) throws(PseudonymError) -> String {
        guard let value = kind.canonicalValue(Array(text.utf8)) else {
            throw PseudonymError(.badValue, "\"\(text)\" is not a valid \(kind.rawValue) value")
        }
        guard let sealed = seal(value, kind: kind) else {
            throw PseudonymError(.badValue, "encryption of a \(kind.rawValue) value failed")
        }
        return String(decoding: sealed, as: UTF8.self)
    }

    /// The identifier behind `pseudonym`.
    /// - Throws: ``PseudonymError``: `notAPseudonym` when the text has no known prefix, is not
    ///   base64url or is too short; `doesNotAuthenticate` when it was made under another key or
    ///   altered.
    public func reveal(_ pseudonym: some Collection<UInt8>) throws(PseudonymError) -> RevealedIdentifier {
        let text = Array(pseudonym)
        let shown = String(decoding: text.prefix(80), as: UTF8.self)
        guard let (kind, prefixLength) = PseudonymKind.matchingPrefix(text) else {
            throw PseudonymError(
                .notAPseudonym,
                "\"\(shown)\" is not a pseudonym: it starts with none of "
                    + PseudonymKind.allCases.map(\.prefix).joined(separator: " "))
        }
        guard let payload = Base64URL.decode(text[prefixLength...]), payload.count > Self.tagByteCount else {
            throw PseudonymError(.notAPseudonym, "\"\(shown)\" is not a pseudonym: not base64url, or too short")
        }
        let tag = Array(payload[0..<Self.tagByteCount])
        guard let value = keystreamXOR(Array(payload[Self.tagByteCount...]), tag: tag),
            Self.constantTimeEqual(authenticator(value, kind: kind), tag), let rendered = kind.render(value)
        else {
            throw PseudonymError(
                .doesNotAuthenticate,
                "\"\(shown)\" does not authenticate under this key (made with another key, or altered)")
        }
        return RevealedIdentifier(kind: kind, value: value, text: rendered)
    }

    private func authenticator(_ value: [UInt8], kind: PseudonymKind) -> [UInt8] {
        var mac = HMAC<SHA256>(key: macKey)
        mac.update(data: [kind.code])
        mac.update(data: value)
        return Array(mac.finalize().prefix(Self.tagByteCount))
    }

    /// `bytes` XOR the CTR keystream of `tag` (encryption and decryption alike).
    private func keystreamXOR(_ bytes: [UInt8], tag: [UInt8]) -> [UInt8]? {
        do {
            let nonce = try AES.GCM.Nonce(data: tag + Self.nonceSuffix)
            return Array(try AES.GCM.seal(bytes, using: encryptionKey, nonce: nonce).ciphertext)
        } catch {
            return nil
        }
    }

    private static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<left.count { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

/// A revealed pseudonym.
public struct RevealedIdentifier: Hashable, Sendable {
    /// The identifier's kind.
    public var kind: PseudonymKind
    /// The sealed bytes (address bytes for IP and MAC kinds).
    public var value: [UInt8]
    /// The identifier as text.
    public var text: [UInt8]

    /// Creates a value.
    public init(kind: PseudonymKind, value: [UInt8], text: [UInt8]) {
        self.kind = kind
        self.value = value
        self.text = text
    }

    /// ``text`` as a String (invalid UTF-8 repaired).
    public var string: String { String(decoding: text, as: UTF8.self) }
}
