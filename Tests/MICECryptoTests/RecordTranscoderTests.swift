// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICECrypto
import MICERecords
import MICETestSupport
import Testing

/// Feeds `bytes` to a stream function in chunks of at most `chunk` bytes.
private func reader(_ bytes: [UInt8], chunk: Int = 1000) -> (Int) -> [UInt8] {
    var position = 0
    return { wanted in
        let count = min(wanted, chunk, bytes.count - position)
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }
}

private func decodeAll(_ transcoder: RecordTranscoder, _ bytes: [UInt8]) -> (lines: [String], error: (any Error)?) {
    var lines: [String] = []
    do {
        try transcoder.decodeStream(read: reader(bytes), emit: { lines.append($0) })
        return (lines, nil)
    } catch {
        return (lines, error)
    }
}

private func encodeAll(_ transcoder: RecordTranscoder, _ text: String) -> (bytes: [UInt8], error: (any Error)?) {
    var output: [UInt8] = []
    do {
        try transcoder.encodeStream(read: reader(Array(text.utf8), chunk: 7), emit: { output += $0 })
        return (output, nil)
    } catch {
        return (output, error)
    }
}

@Suite struct RecordTranscoderTests {
    @Test(arguments: RecordStreamType.allCases)
    func roundTripEveryStreamType(type: RecordStreamType) throws {
        let cipher = try LegacyTwofish(password: vectorPassword)
        for layout in LogFormatLayout.allCases {
            let transcoder = RecordTranscoder(
                streamType: type, layout: layout, architecture: .i386, cipher: type.isEnveloped ? cipher : nil,
                keepChecksum: true, keepIV: true)
            let kind = transcoder.recordKind
            let inners = (0..<3).map { sampleInner(kind, variant: $0) }
            let stream = try inners.flatMap { inner in
                type.isEnveloped ? try cipher.seal(inner).encode() : inner
            }
            let decoded = decodeAll(transcoder, stream)
            #expect(decoded.error == nil)
            #expect(decoded.lines.count == 3)
            let encoded = encodeAll(transcoder, decoded.lines.joined(separator: "\n") + "\n")
            #expect(encoded.error == nil)
            #expect(encoded.bytes == stream)
        }
    }

    @Test func decodeShowsEnvelopeAndInner() throws {
        let cipher = try LegacyTwofish(password: vectorPassword)
        let envelope = try cipher.seal(specExampleLogFormat(fileType: 1), layout: .v02, iv: vectorIV).encode()
        let withKey = RecordTranscoder(streamType: .cipher, layout: .v02, cipher: cipher)
        let json = try withKey.decodeRecord(envelope)
        #expect(json["ivLen"] == 16 && json["cipherTextLen"] == 6608)
        #expect(json["iv"] == "000102030405060708090a0b0c0d0e0f")
        #expect(json["inner"]?["cHost"] == "host")
        #expect(json["inner"]?["checksumValid"] == true)
        #expect(json["cipherText"] == nil)

        let withoutKey = RecordTranscoder(streamType: .cipher, layout: .v02)
        let opaque = try withoutKey.decodeRecord(envelope)
        #expect(opaque["inner"] == nil && opaque["cipherText"]?["base64"] != nil)
        // Without a key the ciphertext is kept, so encoding gives the same bytes back.
        #expect(try withoutKey.encodeRecord(opaque) == envelope)

        let wrongKey = RecordTranscoder(
            streamType: .cipher, layout: .v02, cipher: try LegacyTwofish(password: "wrong key"))
        let failed = try wrongKey.decodeRecord(envelope)
        #expect(failed["inner"] == nil && failed["decryptError"]?.stringValue?.contains("wrong key") == true)
    }

    @Test func encodeComputesChecksumsUnlessKept() throws {
        let transcoder = RecordTranscoder(streamType: .logFormat, layout: .seed)
        let line = #"{"cHost":"h","sChkSum":4660}"#
        let computed = try transcoder.encodeRecord(try jsonValue(line))
        #expect(try LogFormat.verifyChecksum(of: computed, layout: .seed) == .valid)
        var keeping = transcoder
        keeping.keepChecksum = true
        let kept = try keeping.encodeRecord(try jsonValue(line))
        #expect(kept[1686] == 0x34 && kept[1687] == 0x12)
    }

    @Test func encodeEncryptsWithFreshIVs() throws {
        let cipher = try LegacyTwofish(password: vectorPassword)
        let transcoder = RecordTranscoder(streamType: .cipherIdmef, cipher: cipher)
        let line = #"{"ivLen":0,"inner":{"cIdmefMsg":"<IDMEF-Message/>"}}"#
        let first = try transcoder.encodeRecord(try jsonValue(line))
        let second = try transcoder.encodeRecord(try jsonValue(line))
        #expect(first.count == 10267 && first != second)
        let opened = try cipher.open(bytes: first, kind: .idmefMessage)
        #expect(try IdmefMsgFormat(decoding: opened.bytes).message == Array("<IDMEF-Message/>".utf8))

        let plain = RecordTranscoder(streamType: .cipherIdmef)
        let plaintext = try plain.encodeRecord(try jsonValue(line))
        #expect(plaintext.prefix(4) == [0, 0, 0, 0])
        #expect(throws: CryptoError.self) {
            try plain.encodeRecord(try jsonValue(#"{"ivLen":16,"inner":{"cIdmefMsg":"x"}}"#))
        }
    }

    @Test func truncatedInputKeepsEarlierRecordsAndNamesTheOffset() throws {
        let transcoder = RecordTranscoder(streamType: .cipher)
        let record = CipherMsg.plaintext(sampleInner(.logFormat(.seed))).encode()
        let decoded = decodeAll(transcoder, record + record + Array(record.prefix(500)))
        #expect(decoded.lines.count == 2)
        let error = try #require(decoded.error as? RecordStreamError)
        #expect(error.code == .truncatedRecord && error.offset == 2 * 1712 && error.recordNumber == 3)
        #expect(error.description.contains("byte offset 3424"))
    }

    @Test func wrongCipherTextLenNamesTheStreamOffset() throws {
        let transcoder = RecordTranscoder(streamType: .cipher)
        let record = CipherMsg.plaintext(sampleInner(.logFormat(.seed))).encode()
        var bad = record
        bad[21] = 0x77
        let decoded = decodeAll(transcoder, record + bad + record)
        #expect(decoded.lines.count == 1)
        let error = try #require(decoded.error as? RecordStreamError)
        #expect(error.code == .invalidRecord && error.offset == 1712 + 20)
        #expect(error.description.contains("CipherTextLen"))
    }

    @Test func malformedJSONNamesTheLine() throws {
        let transcoder = RecordTranscoder(streamType: .rid)
        let text = "{\"iRID\":1}\n\n   \n{\"iRID\":2}\n{\"iRID\": oops}\n{\"iRID\":3}\n"
        let encoded = encodeAll(transcoder, text)
        #expect(encoded.bytes.count == 2 * RIDMsgFormat.size)
        let error = try #require(encoded.error as? RecordStreamError)
        #expect(error.code == .malformedJSON && error.line == 5 && error.recordNumber == 3)
        #expect(error.description.hasPrefix("line 5"))

        let unknown = encodeAll(transcoder, "{\"iRID\":1,\"extra\":2}")
        let unknownError = try #require(unknown.error as? RecordStreamError)
        #expect(unknownError.code == .invalidJSONRecord && unknownError.line == 1)
        #expect(unknownError.description.contains("extra"))
    }

    @Test func lastLineWithoutNewlineAndEmptyInput() {
        let transcoder = RecordTranscoder(streamType: .rid)
        #expect(encodeAll(transcoder, "{\"iRID\":1}\n{\"iRID\":2}").bytes.count == 2 * RIDMsgFormat.size)
        #expect(encodeAll(transcoder, "").bytes.isEmpty)
        #expect(decodeAll(transcoder, []).lines.isEmpty)
    }

    @Test func randomBytesNeverTrap() {
        var state: UInt64 = 0x1234_5678
        var bytes: [UInt8] = []
        for _ in 0..<(3 * 1712 + 17) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes.append(UInt8(truncatingIfNeeded: state >> 33))
        }
        for type in RecordStreamType.allCases {
            _ = decodeAll(RecordTranscoder(streamType: type), bytes)
            _ = encodeAll(RecordTranscoder(streamType: type), String(decoding: bytes, as: UTF8.self))
        }
    }

    private func jsonValue(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }
}
