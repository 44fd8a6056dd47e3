// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECrypto
import MICERecords
import MICETestSupport
import Testing

@Suite struct LegacyTwofishTests {
    @Test func cfb8Vector() throws {
        let cipher = try LegacyTwofish(password: vectorPassword)
        #expect(cipher.key == Array("ChangeMe :-P".utf8) + [0, 0, 0, 0])
        let plaintext = Array("M-ICE test vector 0123456789".utf8)
        #expect(plaintext == hexBytes("4d2d494345207465737420766563746f722030313233343536373839"))
        let ciphertext = try cipher.encrypt(plaintext, iv: vectorIV)
        #expect(ciphertext == hexBytes("bf0ece4484e138b20d1cbc6e9da189d709ae17c37c5e9c2c03d3a9da"))
        #expect(try cipher.decrypt(ciphertext, iv: vectorIV) == plaintext)
    }

    @Test func cfb8IsByteWiseAndPrefixStable() throws {
        // CFB-8: encrypting a prefix gives the prefix of the ciphertext (what per-byte calls rely on).
        let cipher = try LegacyTwofish(password: vectorPassword)
        let plaintext = Array("M-ICE test vector 0123456789".utf8)
        let whole = try cipher.encrypt(plaintext, iv: vectorIV)
        #expect(try cipher.encrypt(Array(plaintext.prefix(5)), iv: vectorIV) == Array(whole.prefix(5)))
        #expect(try cipher.encrypt([], iv: vectorIV) == [])
    }

    @Test func goldenCipherMsg() throws {
        let cipher = try LegacyTwofish(password: vectorPassword)
        let envelope = try cipher.seal(specExampleLogFormat(fileType: 1), layout: .v02, iv: vectorIV)
        let bytes = envelope.encode()
        #expect(bytes.count == 6632)
        #expect(
            Array(bytes.prefix(48))
                == hexBytes(
                    """
                    10000000 000102030405060708090a0b0c0d0e0f d0190000
                    9a62ffb3fee3720e3e34344f5a6679adb63beca73f1f502c
                    """))
        #expect(try sha256Hex(bytes) == "3c580fa8cb950e532579d3e064389142420eddffd1041c521fe979b05b936b5c")
        let opened = try cipher.open(bytes: bytes, kind: .logFormat(.v02))
        #expect(opened.wasEncrypted && opened.checksum == .valid)
        #expect(
            try LogFormat(decoding: opened.bytes, layout: .v02)
                == LogFormat(decoding: specExampleLogFormat(fileType: 1).encode(layout: .v02), layout: .v02))
    }

    @Test func keyRule() throws {
        #expect(throws: CryptoError.self) { try LegacyTwofish(password: "") }
        #expect(throws: CryptoError.self) { try LegacyTwofish(password: "abcd") }
        do {
            _ = try LegacyTwofish(password: "abc")
            Issue.record("no error")
        } catch let error as CryptoError {
            #expect(error.code == .keyTooShort)
            #expect(error.description.contains("5"))
        }
        #expect(try LegacyTwofish(password: "abcde").key == Array("abcde".utf8) + [UInt8](repeating: 0, count: 11))
        #expect(try LegacyTwofish(password: "0123456789abcdefXYZ").key == Array("0123456789abcdef".utf8))
        // A NUL ends the password, as strlen would.
        #expect(throws: CryptoError.self) { try LegacyTwofish(passwordBytes: Array("abc\0defgh".utf8)) }
        #expect(
            try LegacyTwofish(passwordBytes: Array("abcdef\0gh".utf8)).key.prefix(8) == [
                97, 98, 99, 100, 101, 102, 0, 0,
            ])
    }

    @Test func randomIVs() throws {
        let first = LegacyTwofish.makeIV()
        let second = LegacyTwofish.makeIV()
        #expect(first.count == 16 && second.count == 16 && first != second)
        let cipher = try LegacyTwofish(password: vectorPassword)
        let inner = sampleInner(.logFormat(.seed))
        let a = try cipher.seal(inner)
        let b = try cipher.seal(inner)
        #expect(a.iv != b.iv && a.payload != b.payload && a.ivLength == 16)
        #expect(throws: CryptoError.self) { try cipher.seal(inner, iv: [1, 2, 3]) }
    }

    @Test(arguments: envelopeKinds)
    func sealAndOpen(kind: RecordKind) throws {
        let cipher = try LegacyTwofish(password: "a shared secret!")
        let inner = sampleInner(kind)
        let envelope = try cipher.seal(inner)
        let bytes = envelope.encode()
        #expect(bytes.count == kind.envelopeSize)
        let opened = try cipher.open(bytes: bytes, kind: kind)
        #expect(opened.bytes == inner && opened.checksum == .valid && opened.wasEncrypted)

        let wrong = try LegacyTwofish(password: "another secret!!")
        #expect(throws: CryptoError.self) { try wrong.open(bytes: bytes, kind: kind) }
        let unchecked = try wrong.open(bytes: bytes, kind: kind, verifyChecksum: false)
        #expect(unchecked.checksum?.isAccepted == false)
    }

    @Test func plaintextPolicy() throws {
        let cipher = try LegacyTwofish(password: vectorPassword)
        let inner = sampleInner(.idmefMessage)
        let plain = CipherMsg.plaintext(inner)
        do {
            _ = try cipher.open(plain, kind: .idmefMessage)
            Issue.record("no error")
        } catch let error as CryptoError {
            #expect(error.code == .plaintextRejected)
        }
        let opened = try cipher.open(plain, kind: .idmefMessage, acceptPlaintext: true)
        #expect(opened.bytes == inner && !opened.wasEncrypted && opened.checksum == .valid)
        var corrupt = plain
        corrupt.payload[3] ^= 0x40
        #expect(throws: CryptoError.self) { try cipher.open(corrupt, kind: .idmefMessage, acceptPlaintext: true) }
    }

    @Test func dataForwarderQuirkAfterDecryption() throws {
        var record = specExampleLogFormat(fileType: 1)
        record.checksum = 0x1e4c
        let cipher = try LegacyTwofish(password: vectorPassword)
        let envelope = try cipher.seal(record.encode(layout: .v02, computeChecksum: false), iv: vectorIV)
        let opened = try cipher.open(envelope, kind: .logFormat(.v02))
        #expect(opened.checksum == .validWithFileTypeZero)
    }

    @Test func wrongPayloadSizeIsAnError() throws {
        let cipher = try LegacyTwofish(password: vectorPassword)
        let envelope = try cipher.seal(sampleInner(.logFormat(.seed)))
        #expect(throws: RecordError.self) { try cipher.open(envelope, kind: .logFormat(.v02)) }
    }

    @Test func concurrentUseIsSafe() async throws {
        let cipher = try LegacyTwofish(password: vectorPassword)
        let inner = sampleInner(.logFormat(.v02))
        let expected = try cipher.seal(inner, iv: vectorIV)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    let envelope = try cipher.seal(inner, iv: vectorIV)
                    let opened = try cipher.open(envelope, kind: .logFormat(.v02))
                    return envelope == expected && opened.bytes == inner
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
