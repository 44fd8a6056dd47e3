// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECrypto
import MICERecords
import MICETestSupport
import Testing

/// The Swift implementation and contrib/twofish-cipher/mice-cipher (libmcrypt, one call per byte,
/// the original's way) read each other's records.
@Suite struct CInteropTests {
    private let password = "interop password"

    @Test(arguments: envelopeKinds)
    func swiftSealsCOpens(kind: RecordKind) throws {
        let cipher = try LegacyTwofish(password: password)
        let inners = (0..<3).map { sampleInner(kind, variant: $0) }
        let stream = try inners.flatMap { try cipher.seal($0).encode() }
        let result = try CipherTool.run(["decrypt", "--key", password, "--inner-size", "\(kind.size)"], input: stream)
        #expect(result.status == 0, "\(result.errorText)")
        #expect(result.output == inners.flatMap { $0 })
    }

    @Test(arguments: envelopeKinds)
    func cSealsSwiftOpens(kind: RecordKind) throws {
        let cipher = try LegacyTwofish(password: password)
        let inners = (0..<3).map { sampleInner(kind, variant: $0) }
        let result = try CipherTool.run(
            ["encrypt", "--key", password, "--inner-size", "\(kind.size)"], input: inners.flatMap { $0 })
        #expect(result.status == 0, "\(result.errorText)")
        #expect(result.output.count == 3 * kind.envelopeSize)
        var ivs: [[UInt8]] = []
        for (index, inner) in inners.enumerated() {
            let start = index * kind.envelopeSize
            let record = Array(result.output[start..<(start + kind.envelopeSize)])
            let envelope = try CipherMsg(decoding: record, kind: kind)
            #expect(envelope.ivLength == 16)
            ivs.append(envelope.iv)
            let opened = try cipher.open(envelope, kind: kind)
            #expect(opened.bytes == inner && opened.checksum == .valid)
        }
        #expect(Set(ivs).count == 3)
    }

    @Test(arguments: envelopeKinds)
    func fixedIVGivesIdenticalBytes(kind: RecordKind) throws {
        let cipher = try LegacyTwofish(password: password)
        let inner = sampleInner(kind)
        let result = try CipherTool.run(
            ["encrypt", "--key", password, "--iv", RecordJSON.hex(vectorIV), "--inner-size", "\(kind.size)"],
            input: inner)
        #expect(result.status == 0, "\(result.errorText)")
        #expect(result.output == (try cipher.seal(inner, iv: vectorIV).encode()))
    }

    @Test func goldenVectorFromC() throws {
        let inner = specExampleLogFormat(fileType: 1).encode(layout: .v02)
        let result = try CipherTool.run(
            ["encrypt", "--key", vectorPassword, "--iv", RecordJSON.hex(vectorIV), "--inner-size", "6608"], input: inner
        )
        #expect(result.status == 0)
        #expect(try sha256Hex(result.output) == "3c580fa8cb950e532579d3e064389142420eddffd1041c521fe979b05b936b5c")
    }

    @Test func keyPaddingAndTruncationAgree() throws {
        for password in ["short", "exactly16bytes!!", "a much longer password than sixteen bytes"] {
            let cipher = try LegacyTwofish(password: password)
            let inner = sampleInner(.logFormat(.seed))
            let result = try CipherTool.run(["decrypt", "--key", password], input: try cipher.seal(inner).encode())
            #expect(result.status == 0 && result.output == inner, "password \(password)")
        }
        let refused = try CipherTool.run(["decrypt", "--key", "abcd"], input: [])
        #expect(refused.status == 2)
    }

    @Test func cPassesPlaintextAndRejectsBadEnvelopes() throws {
        let inner = sampleInner(.logFormat(.seed))
        let plain = CipherMsg.plaintext(inner).encode()
        let passed = try CipherTool.run(["decrypt", "--key", password], input: plain)
        #expect(passed.status == 0 && passed.output == inner)

        var wrongLength = plain
        wrongLength[20] = 0x99
        let rejected = try CipherTool.run(["decrypt", "--key", password], input: plain + wrongLength)
        #expect(rejected.status == 1)
        #expect(rejected.output == inner)
        #expect(rejected.errorText.contains("byte offset 1732"))

        let truncated = try CipherTool.run(["decrypt", "--key", password], input: plain + Array(plain.prefix(100)))
        #expect(truncated.status == 1 && truncated.output == inner)
        #expect(truncated.errorText.contains("truncated"))
    }
}
