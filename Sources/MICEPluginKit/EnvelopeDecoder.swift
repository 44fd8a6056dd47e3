// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECrypto
import MICERecords

/// The common part of the decoding modules: opens CipherMsg-style envelopes of one record kind,
/// encrypted with the legacy Twofish mode or plaintext, and verifies the inner checksum.
///
/// Configuration: `key` (the shared password; absent = no decryption), `acceptPlaintext`
/// (whether IVLen = 0 records are accepted; the original accepted them from anyone, so the
/// default is to accept them only when no key is configured).
public struct EnvelopeDecoder {
    /// The record inside the envelopes.
    public let kind: RecordKind
    private let cipher: LegacyTwofish?
    private let acceptPlaintext: Bool
    private let verifier: LegacyTwofish
    /// Records refused so far (wrong `CipherTextLen`, wrong key, checksum mismatch, plaintext refused).
    public private(set) var refused = 0

    /// Reads `key` and `acceptPlaintext` from the configuration.
    public init(kind: RecordKind, context: PluginContext) throws {
        self.kind = kind
        let key = try context.string("key", default: nil)
        if let key, !key.isEmpty {
            do {
                cipher = try LegacyTwofish(password: key)
            } catch {
                throw PluginConfigError(key: "key", "\(error)")
            }
            PluginLog.warning(
                "legacy Twofish CFB-8 mode: no integrity protection beyond an unkeyed checksum; use mutual TLS where peers allow"
            )
        } else {
            cipher = nil
        }
        acceptPlaintext = try context.bool("acceptPlaintext", default: cipher == nil)
        if cipher == nil, !acceptPlaintext {
            throw PluginConfigError(key: "acceptPlaintext", "false, and no key is set: every record would be refused")
        }
        // A placeholder key for opening plaintext envelopes when no key is configured; it never
        // decrypts anything because encrypted envelopes are refused before reaching it.
        verifier = try cipher ?? LegacyTwofish(passwordBytes: Array("plaintext-only".utf8))
    }

    /// The size of one encoded envelope (what the original decoder's `init` returned).
    public var envelopeSize: Int { kind.envelopeSize }

    /// Opens one envelope; nil (and a counted, logged refusal) when it cannot be accepted.
    /// - Throws: ``PluginCallError`` with code 3 (bad call) when the payload is not one envelope
    ///   of ``envelopeSize`` bytes: a CALL that does not decode (docs/plugin-protocol.md, section 5).
    public mutating func open(_ envelope: UnsafeRawBufferPointer) throws(PluginCallError) -> [UInt8]? {
        guard envelope.count == kind.envelopeSize else {
            throw PluginCallError(
                code: PluginErrorCode.badCall,
                "\(kind.envelopeName) of \(envelope.count) bytes; this link's records are \(kind.envelopeSize) bytes")
        }
        do {
            let message = try CipherMsg(decoding: envelope, kind: kind)
            if message.isEncrypted, cipher == nil {
                return refuse("encrypted \(kind.envelopeName) but no key is configured")
            }
            return try verifier.open(message, kind: kind, acceptPlaintext: acceptPlaintext).bytes
        } catch {
            return refuse("\(error)")
        }
    }

    private mutating func refuse(_ reason: String) -> [UInt8]? {
        refused += 1
        // Hostile input can arrive at line rate: log the first ones, then every 1000th.
        if refused <= 10 || refused % 1000 == 0 {
            PluginLog.warning("record \(refused) refused: \(reason)")
        }
        return nil
    }
}
