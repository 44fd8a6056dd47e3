// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords
import MICETestSupport
import Testing

/// Sizes and offsets of spec section 3 (summary in 3.10), checked on encoded bytes.
@Suite struct LayoutTests {
    @Test func sizeSummary() {
        #expect(SCSLogFormat.size == 1804)
        #expect(FirewallLogFormat.size == 696)
        #expect(LogTypeData.size == 1804)
        #expect(LogFormatLayout.seed.size == 1688)
        #expect(LogFormatLayout.v02.size == 6608)
        #expect(CipherMsg.size(innerSize: LogFormatLayout.seed.size) == 1712)
        #expect(CipherMsg.size(innerSize: LogFormatLayout.v02.size) == 6632)
        #expect(CipherMsg.seedLogFormatSize == 1712 && CipherMsg.logFormatSize == 6632)
        #expect(IdmefMsgFormat.size == 10243)
        #expect(CipherMsg.size(innerSize: IdmefMsgFormat.size) == 10267 && CipherMsg.idmefSize == 10267)
        #expect(RIDMsgFormat.size == 12348)
        #expect(ExecMessage.size == 2176)
        #expect(ReactionArchitecture.i386.modeDataSize == 20560)
        #expect(ReactionArchitecture.x86_64.modeDataSize == 41040)
        #expect(ReactionArchitecture.i386.messageSize == 20572)
        #expect(ReactionArchitecture.x86_64.messageSize == 41064)
        #expect(ReactionArchitecture.i386.envelopeSize == 20596)
        #expect(ReactionArchitecture.x86_64.envelopeSize == 41088)
        #expect(RecordKind.logFormat(.seed).envelopeSize == 1712)
        #expect(RecordKind.reactionMessage(.x86_64).envelopeSize == 41088)
        #expect(RecordKind.idmefMessage.envelopeSize == 10267)
    }

    @Test func encodedSizes() {
        #expect(LogFormat().encode(layout: .seed).count == 1688)
        #expect(LogFormat().encode(layout: .v02).count == 6608)
        #expect(IdmefMsgFormat().encode().count == 10243)
        #expect(RIDMsgFormat().encode().count == 12348)
        #expect(ExecMessage().encode().count == 2176)
        let message = ReactionMessage(mode: ReactionMessage.MID_EXEC, modeData: .exec(ExecMessage()))
        #expect(message.encode(architecture: .i386).count == 20572)
        #expect(message.encode(architecture: .x86_64).count == 41064)
        #expect(CipherMsg.plaintext(LogFormat().encode(layout: .v02)).encode().count == 6632)
    }

    private func oneCharacterRecord() -> LogFormat {
        LogFormat(
            host: [0x41], domain: [0x42], ipAddress: [0x43], operatingSystem: [0x44], release: [0x45],
            version: [0x46], date: [0x47], time: [0x48], timezone: [0x49], daylight: -2, logData: [0x4A],
            fileType: 0x0102_0304, pseudonymized: 1, logType: .raw([0x4B]), checksum: 0xBEEF)
    }

    @Test func logFormatOffsets02() {
        let bytes = oneCharacterRecord().encode(layout: .v02, computeChecksum: false)
        let expected: [(Int, UInt8)] = [
            (0, 0x41), (256, 0x42), (512, 0x43), (542, 0x44), (562, 0x45), (582, 0x46), (602, 0x47), (632, 0x48),
            (662, 0x49), (696, 0x4A), (4800, 0x4B),
        ]
        for (offset, value) in expected { #expect(bytes[offset] == value, "offset \(offset)") }
        #expect(bytes.le32(692) == UInt32(bitPattern: -2))
        #expect(bytes.le32(4792) == 0x0102_0304)
        #expect(bytes.le32(4796) == 1)
        #expect(bytes.le16(6604) == 0xBEEF)
        #expect(bytes[6606] == 0 && bytes[6607] == 0)
        #expect(bytes.filter { $0 != 0 }.count == 11 + 4 + 4 + 1 + 2)
    }

    @Test func logFormatOffsetsSeed() {
        let bytes = oneCharacterRecord().encode(layout: .seed, computeChecksum: false)
        for (offset, value) in [(0, 0x41), (256, 0x42), (512, 0x43), (542, 0x44), (632, 0x48), (662, 0x4A)] {
            #expect(bytes[offset] == UInt8(value), "offset \(offset)")
        }
        #expect(bytes.le16(1686) == 0xBEEF)
        #expect(bytes.filter { $0 != 0 }.count == 9 + 2)
        #expect(LogFormatLayout.seed.logDataOffset == 662 && LogFormatLayout.seed.checksumOffset == 1686)
    }

    @Test func scsLogOffsets() {
        var record = LogFormat(fileType: LogFormat.FTF_SCSLOG)
        record.logType = .scsLog(
            SCSLogFormat(
                syscall: [1], program: [2], pid: 0x0A0B_0C0D, uid: 0x1122_3344, euid: 0x5566_7788, call: [3],
                comment: [4]))
        let bytes = record.encode(layout: .v02, computeChecksum: false)
        #expect(bytes[4800] == 1 && bytes[4800 + 256] == 2 && bytes[4800 + 524] == 3 && bytes[4800 + 1548] == 4)
        #expect(bytes.le32(4800 + 512) == 0x0A0B_0C0D)
        #expect(bytes.le32(4800 + 516) == 0x1122_3344)
        #expect(bytes.le32(4800 + 520) == 0x5566_7788)
    }

    @Test func firewallOffsets() {
        var record = LogFormat(fileType: LogFormat.FTF_FIREWALL)
        record.logType = .firewall(
            FirewallLogFormat(
                action: [1], inputInterface: [2], outputInterface: [3], mac: [4], source: [5], destination: [6],
                ipLength: 11, tos: 12, precedence: 13, ttl: 14, id: 15, transportProtocol: [7], sourcePort: 16,
                destinationPort: 17, packetLength: 18))
        let bytes = record.encode(layout: .v02, computeChecksum: false)
        for (offset, value) in [(0, 1), (50, 2), (305, 3), (560, 4), (590, 5), (620, 6), (672, 7)] {
            #expect(bytes[4800 + offset] == UInt8(value), "union offset \(offset)")
        }
        for (offset, value) in [(652, 11), (656, 12), (660, 13), (664, 14), (668, 15), (684, 16), (688, 17), (692, 18)]
        {
            #expect(bytes.le32(4800 + offset) == UInt32(value), "union offset \(offset)")
        }
    }

    @Test func cipherMsgOffsets() {
        let envelope = CipherMsg(ivLength: 16, iv: Array(0..<16), payload: [UInt8](repeating: 0xAA, count: 1688))
        let bytes = envelope.encode()
        #expect(bytes.count == 1712)
        #expect(bytes.le32(0) == 16)
        #expect(Array(bytes[4..<20]) == Array(0..<16))
        #expect(bytes.le32(20) == 1688)
        #expect(bytes[24] == 0xAA && bytes[1711] == 0xAA)
    }

    @Test func idmefOffsets() {
        let bytes = IdmefMsgFormat(message: [0x3C], checksum: 0x1234).encode(computeChecksum: false)
        #expect(IdmefMsgFormat.checksumOffset == 10241)
        #expect(bytes[0] == 0x3C && bytes[10241] == 0x34 && bytes[10242] == 0x12)
    }

    @Test func ridOffsets() {
        let bytes = RIDMsgFormat(idmefMessage: [1], alertID: [2], alertIDDescription: [3], reactionID: 7).encode()
        #expect(bytes[0] == 1 && bytes[10241] == 2 && bytes[10342] == 3 && bytes[12343] == 0)
        #expect(bytes.le32(12344) == 7)
    }

    @Test func execOffsets() {
        let exec = ExecMessage(
            alertID: [1], reactionID: 0x0102_0304, uidForExec: 0x1112_1314, gidForExec: 0x2122_2324,
            functionID: 0x0000_0001, numberOfArgs: 0x0A0B_0C0D, argFormatString: [2], argFormatParameters: [3])
        let bytes = exec.encode()
        #expect(bytes[0] == 1 && bytes[124] == 2 && bytes[1149] == 3)
        #expect(bytes.be32(104) == 0x0102_0304)
        #expect(bytes.le32(108) == 0x1112_1314)
        #expect(bytes.le32(112) == 0x2122_2324)
        #expect(bytes.be32(116) == 1)
        #expect(bytes.be32(120) == 0x0A0B_0C0D)
        #expect(bytes[2174] == 0 && bytes[2175] == 0)
    }

    @Test(arguments: ReactionArchitecture.allCases)
    func reactionOffsets(architecture: ReactionArchitecture) {
        let message = ReactionMessage(
            checksum: 0xCAFE, timestamp: 0x4142_4344, mode: ReactionMessage.MID_RETVAL,
            modeData: .retval(ReactionMessage.RID_UNKNOWNFUNC))
        let bytes = message.encode(architecture: architecture, computeChecksum: false)
        let (timestamp, mode, union) = architecture == .i386 ? (4, 8, 12) : (8, 16, 20)
        #expect(bytes.le16(0) == 0xCAFE)
        #expect(bytes.be32(timestamp) == 0x4142_4344)
        #expect(bytes.be32(mode) == ReactionMessage.MID_RETVAL)
        #expect(bytes.be32(union) == 0x100004)
        #expect(bytes.filter { $0 != 0 }.count == 2 + 4 + 2 + 2)
        #expect(architecture.timestampOffset == timestamp)
        #expect(architecture.modeOffset == mode && architecture.modeDataOffset == union)
    }

    @Test func reactionExecInsideUnion() {
        let exec = ExecMessage(alertID: Array("0x1020".utf8), functionID: 1, argFormatString: Array("echo".utf8))
        let message = ReactionMessage(timestamp: 1, mode: ReactionMessage.MID_EXEC, modeData: .exec(exec))
        for architecture in ReactionArchitecture.allCases {
            let bytes = message.encode(architecture: architecture)
            let base = architecture.modeDataOffset
            #expect(Array(bytes[base..<(base + ExecMessage.size)]) == exec.encode())
        }
    }

    @Test func constants() {
        #expect(ReactionMessage.MID_EXEC == 0x001001 && ReactionMessage.MID_ERROR == 0x00FFFF)
        #expect(ReactionMessage.MID_SUPPORTED == 0x001006)
        #expect(ReactionMessage.RID_SUCCESS == 0x100001 && ReactionMessage.RID_ERROR == 0xFFFFFF)
        #expect(LogFormat.FTF_FILE == 1 && LogFormat.FTF_SCSLOG == 3 && LogFormat.FTF_FIREWALL == 4)
        #expect(IdmefMsgFormat.MAX_IDMEFMSGSIZE == 10240)
        #expect(RIDMsgFormat.RIDMSG_MAX_ALERTID == 100 && RIDMsgFormat.RIDMSG_MAX_ALERTDESC == 2000)
    }
}
