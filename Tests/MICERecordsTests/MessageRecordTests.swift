// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords
import MICETestSupport
import Testing

/// CipherMsg envelopes, IdmefMsgFormat, RIDMsgFormat, stExecMsg and stReactionMsg.
@Suite struct MessageRecordTests {
    @Test func cipherMsgRoundTripForEveryInnerSize() throws {
        for kind in [RecordKind.logFormat(.seed), .logFormat(.v02), .idmefMessage, .reactionMessage(.i386)] {
            var random = SplitMix64(seed: UInt64(kind.size))
            let envelope = CipherMsg(ivLength: 16, iv: random.bytes(16), payload: random.bytes(kind.size))
            let bytes = envelope.encode()
            #expect(bytes.count == kind.envelopeSize)
            #expect(try CipherMsg(decoding: bytes, kind: kind) == envelope)
            #expect(try CipherMsg(decoding: bytes, innerSize: kind.size) == envelope)
        }
    }

    @Test func plaintextEnvelope() throws {
        let inner = specExampleLogFormat(fileType: 0).encode(layout: .seed)
        let envelope = CipherMsg.plaintext(inner)
        #expect(!envelope.isEncrypted && envelope.ivLength == 0 && envelope.iv == [UInt8](repeating: 0, count: 16))
        let decoded = try CipherMsg(decoding: envelope.encode(), kind: .logFormat(.seed))
        #expect(try LogFormat(decoding: decoded.payload, layout: .seed) == LogFormat(decoding: inner, layout: .seed))
    }

    @Test func wrongCipherTextLenNamesTheOffset() {
        var bytes = CipherMsg.plaintext([UInt8](repeating: 0, count: 6608)).encode()
        bytes[20] = 0x50  // 6608 = 0x19D0 -> 0x1950
        do {
            _ = try CipherMsg(decoding: bytes, kind: .logFormat(.v02))
            Issue.record("no error")
        } catch {
            #expect(error.code == .cipherTextLengthMismatch)
            #expect(error.offset == 20 && error.field == "CipherTextLen" && error.recordType == "CipherMsg")
            #expect(error.description.contains("6480") && error.description.contains("6608"))
            #expect(error.shifted(by: 6632).offset == 6652)
        }
        // A seed-size envelope read as 0.2 is a size error, not a crash.
        let seed = CipherMsg.plaintext([UInt8](repeating: 0, count: 1688)).encode()
        #expect(throws: RecordError.self) { try CipherMsg(decoding: seed, kind: .logFormat(.v02)) }
        #expect(throws: RecordError.self) { try CipherMsg(decoding: seed.prefix(23), innerSize: 1688) }
    }

    @Test func idmefGoldenChecksum() throws {
        let record = IdmefMsgFormat(message: Array("<?xml version=\"1.0\"?>\n<IDMEF-Message version=\"1.0\"/>\n".utf8))
        let bytes = record.encode()
        #expect(bytes[10241] == 0xfa && bytes[10242] == 0x2c)
        let decoded = try IdmefMsgFormat(decoding: bytes)
        #expect(decoded.checksum == 0x2cfa)
        #expect(decoded.message == record.message)
        #expect(decoded.verifyChecksum() == .valid)
        #expect(try IdmefMsgFormat.verifyChecksum(of: bytes) == .valid)
        var corrupt = bytes
        corrupt[5] ^= 1
        #expect(try !IdmefMsgFormat.verifyChecksum(of: corrupt).isAccepted)
    }

    @Test func idmefTruncatesTo10240() throws {
        let bytes = IdmefMsgFormat(message: [UInt8](repeating: 0x41, count: 20000)).encode()
        #expect(bytes[10239] == 0x41 && bytes[10240] == 0)
        #expect(try IdmefMsgFormat(decoding: bytes).message.count == 10240)
    }

    @Test func ridReaderToleratesGarbageAndMissingTerminators() throws {
        var random = SplitMix64(seed: 7)
        var bytes = random.bytes(RIDMsgFormat.size).map { $0 == 0 ? 1 : $0 }
        // "0x1020\0" then garbage in cAlertID; no terminator at all in cAlertIDDesc.
        bytes.replaceSubrange(10241..<10248, with: Array("0x1020\0".utf8))
        bytes[12344] = 3
        bytes[12345] = 0
        bytes[12346] = 0
        bytes[12347] = 0
        let decoded = try RIDMsgFormat(decoding: bytes)
        #expect(decoded[text: \.alertID] == "0x1020")
        #expect(decoded.alertIDDescription.count == 2001)
        #expect(decoded.idmefMessage.count == 10241)
        #expect(decoded.reactionID == 3)
        let clean = decoded.encode()
        #expect(clean[10241 + 100] == 0 && clean[10342 + 2000] == 0 && clean[10240] == 0)
        #expect(try RIDMsgFormat(decoding: clean).alertIDDescription.count == 2000)
    }

    @Test func ridRoundTrip() throws {
        let record = RIDMsgFormat(
            idmefMessage: Array("<IDMEF-Message/>".utf8), alertID: Array("0x1020".utf8),
            alertIDDescription: Array("ssh brute force".utf8), reactionID: -4)
        #expect(try RIDMsgFormat(decoding: record.encode()) == record)
    }

    @Test func execRoundTrip() throws {
        let exec = ExecMessage(
            alertID: Array("0x1020".utf8), reactionID: 4, uidForExec: 1000, gidForExec: 100, functionID: 1,
            numberOfArgs: 1, argFormatString: Array("echo TEST > /tmp/rd.txt".utf8), argFormatParameters: [0xFF])
        #expect(try ExecMessage(decoding: exec.encode()) == exec)
    }

    @Test(arguments: ReactionArchitecture.allCases)
    func reactionRoundTrips(architecture: ReactionArchitecture) throws {
        let exec = ExecMessage(alertID: Array("0x1020".utf8), reactionID: 4, functionID: 1, numberOfArgs: 1)
        let messages = [
            ReactionMessage(timestamp: 1_094_403_300, mode: ReactionMessage.MID_EXEC, modeData: .exec(exec)),
            ReactionMessage(mode: ReactionMessage.MID_RETVAL, modeData: .retval(ReactionMessage.RID_SUCCESS)),
            ReactionMessage(mode: ReactionMessage.MID_SHOW, modeData: .show(5)),
            ReactionMessage(mode: ReactionMessage.MID_CHECK, modeData: .check(functionID: 9)),
            ReactionMessage(mode: ReactionMessage.MID_SUPPORTED, modeData: .supported(1)),
            ReactionMessage(mode: ReactionMessage.MID_ALL, modeData: .raw([1, 2, 3])),
            ReactionMessage(mode: 0x4242, modeData: .raw([])),
        ]
        for var message in messages {
            let bytes = message.encode(architecture: architecture)
            message.checksum = bytes.le16(0)
            let decoded = try ReactionMessage(decoding: bytes, architecture: architecture)
            #expect(decoded == message)
            #expect(decoded.verifyChecksum(architecture: architecture) == .valid)
            #expect(try ReactionMessage.verifyChecksum(of: bytes, architecture: architecture) == .valid)
        }
    }

    @Test func reactionSizesDoNotInteroperate() {
        let bytes = ReactionMessage(mode: ReactionMessage.MID_RETVAL, modeData: .retval(0)).encode(architecture: .i386)
        #expect(throws: RecordError.self) { try ReactionMessage(decoding: bytes, architecture: .x86_64) }
    }

    @Test func recordKindDispatch() throws {
        #expect(RecordKind.ridMessage.hasChecksum == false)
        #expect(try RecordKind.ridMessage.verifyChecksum(of: RIDMsgFormat().encode()) == nil)
        #expect(throws: RecordError.self) {
            try RecordKind.ridMessage.verifyChecksum(of: [UInt8](repeating: 0, count: 3))
        }
        #expect(RecordStreamType.cipherReaction.recordKind(architecture: .i386) == .reactionMessage(.i386))
        #expect(RecordStreamType.cipher.recordKind() == .logFormat(.seed))
        #expect(RecordStreamType.cipher.isEnveloped && !RecordStreamType.rid.isEnveloped)
        #expect(RecordKind.reactionMessage(.x86_64).envelopeName == "stCipherRctMsg")
    }
}
