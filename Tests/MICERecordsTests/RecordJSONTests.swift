// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import MICERecords
import MICETestSupport
import Testing

@Suite struct RecordJSONTests {
    @Test func byteFieldConventions() throws {
        #expect(RecordJSON.bytes(Array("héllo".utf8)) == .string("héllo"))
        #expect(RecordJSON.bytes([0x61, 0x00, 0x62]) == .object(["base64": "YQBi"]))
        #expect(RecordJSON.bytes([0xFF, 0xFE]) == .object(["base64": "//4="]))
        #expect(RecordJSON.bytes([]) == .string(""))
        for length in 0..<8 {
            let bytes = (0..<length).map { UInt8(0xF0 + $0) }
            let json = RecordJSON.bytes(bytes)
            #expect(try RecordJSON.bytes(from: json, recordType: "T", field: "f") == bytes)
        }
        #expect(try RecordJSON.bytes(from: nil, recordType: "T", field: "f") == [])
        #expect(throws: RecordError.self) { try RecordJSON.bytes(from: 5, recordType: "T", field: "f") }
        #expect(throws: RecordError.self) { try RecordJSON.bytes(from: ["base64": "!!"], recordType: "T", field: "f") }
        #expect(throws: RecordError.self) { try RecordJSON.bytes(from: ["base64": "YQ="], recordType: "T", field: "f") }
        #expect(RecordJSON.hex([0x00, 0xAB, 0x10]) == "00ab10")
        #expect(RecordJSON.bytes(fromHex: "00AB10") == [0x00, 0xAB, 0x10])
        #expect(RecordJSON.bytes(fromHex: "0g") == nil && RecordJSON.bytes(fromHex: "abc") == nil)
    }

    @Test func integerRanges() throws {
        #expect(try RecordJSON.integer(from: 65535, as: UInt16.self, recordType: "T", field: "f") == 65535)
        #expect(throws: RecordError.self) {
            try RecordJSON.integer(from: 65536, as: UInt16.self, recordType: "T", field: "f")
        }
        #expect(throws: RecordError.self) {
            try RecordJSON.integer(from: -1, as: UInt32.self, recordType: "T", field: "f")
        }
        #expect(throws: RecordError.self) {
            try RecordJSON.integer(from: "1", as: UInt32.self, recordType: "T", field: "f")
        }
        #expect(try RecordJSON.integer(from: .double(7), as: Int32.self, recordType: "T", field: "f") == 7)
    }

    @Test func logFormatJSON() throws {
        let record = specExampleLogFormat(fileType: 1)
        let json = record.jsonObject(layout: .v02)
        #expect(json["cHost"] == "host")
        #expect(json["cLogdata"] == "Sep  5 18:55:00 host sshd[1]: Failed password for root")
        #expect(json["uiFileType"] == 1)
        #expect(json["logtype"] == .null)
        #expect(json["checksumValid"] == false)
        #expect(json["checksumStatus"] == "invalid")
        let back = try LogFormat(json: json, layout: .v02)
        #expect(back == record)

        let seed = record.jsonObject(layout: .seed)
        #expect(seed["cLogLine"] != nil && seed["cLogdata"] == nil && seed["uiFileType"] == nil)
        #expect(throws: RecordError.self) { try LogFormat(json: json, layout: .seed) }
    }

    @Test func logFormatJSONWithUnionsAndBinary() throws {
        var record = LogFormat(logData: [0x01, 0xFF, 0x41], fileType: LogFormat.FTF_SCSLOG)
        record.logType = .scsLog(SCSLogFormat(syscall: Array("execve".utf8), pid: -1, uid: 0, euid: 4_294_967_295))
        let bytes = record.encode(layout: .v02)
        let json = try RecordKind.logFormat(.v02).jsonObject(decoding: bytes)
        #expect(json["cLogdata"] == .object(["base64": "Af9B"]))
        #expect(json["logtype"]?["SCSLogFormat"]?["EUID"] == 4_294_967_295)
        #expect(json["checksumValid"] == true)
        #expect(try RecordKind.logFormat(.v02).encode(json: json) == bytes)

        record.fileType = LogFormat.FTF_FIREWALL
        record.logType = .firewall(FirewallLogFormat(action: Array("ACCEPT".utf8), destinationPort: 443))
        let firewall = try RecordKind.logFormat(.v02).jsonObject(decoding: record.encode(layout: .v02))
        #expect(firewall["logtype"]?["FirewallLogFormat"]?["uiDstPort"] == 443)
        #expect(try LogFormat(json: firewall, layout: .v02).logType == record.logType)

        record.fileType = 9
        record.logType = .raw([1, 0, 2])
        let raw = record.jsonObject(layout: .v02)
        #expect(try LogFormat(json: raw, layout: .v02).logType == .raw([1, 0, 2]))
    }

    @Test func checksumKeepOrCompute() throws {
        let kind = RecordKind.logFormat(.seed)
        var json = specExampleLogFormat(fileType: 0).jsonObject(layout: .seed)
        guard case .object(var object) = json else { throw RecordError(.invalidJSON, recordType: "", detail: "") }
        object["sChkSum"] = 0x1234
        json = .object(object)
        let kept = try kind.encode(json: json, keepGivenChecksum: true)
        #expect(kept.le16(1686) == 0x1234)
        let computed = try kind.encode(json: json)
        #expect(try LogFormat.verifyChecksum(of: computed, layout: .seed) == .valid)
        object["sChkSum"] = nil
        let missing = try kind.encode(json: .object(object), keepGivenChecksum: true)
        #expect(missing == computed)
    }

    @Test func unknownAndMistypedFieldsAreNamed() {
        do {
            _ = try LogFormat(json: ["cHots": "x"], layout: .seed)
            Issue.record("no error")
        } catch {
            #expect(error.field == "cHots" && error.code == .invalidJSON)
        }
        do {
            _ = try LogFormat(json: ["cHost": 5], layout: .seed)
            Issue.record("no error")
        } catch {
            #expect(error.field == "cHost")
        }
        #expect(throws: RecordError.self) { try LogFormat(json: "not an object", layout: .seed) }
        #expect(throws: RecordError.self) {
            try LogFormat(json: ["logtype": ["SCSLogFormat": [:], "raw": ""]], layout: .v02)
        }
        #expect(throws: RecordError.self) { try ReactionMessage(json: ["ModeData": ["Exec": [:], "Show": [:]]]) }
        #expect(throws: RecordError.self) { try ReactionMessage(json: ["Mode": 4_294_967_296]) }
    }

    @Test func idmefAndRIDJSON() throws {
        let idmef = IdmefMsgFormat(message: Array("<IDMEF-Message/>".utf8))
        let bytes = idmef.encode()
        let json = try RecordKind.idmefMessage.jsonObject(decoding: bytes)
        #expect(json["cIdmefMsg"] == "<IDMEF-Message/>" && json["checksumValid"] == true)
        #expect(try RecordKind.idmefMessage.encode(json: json) == bytes)

        let rid = RIDMsgFormat(alertID: Array("0x1020".utf8), alertIDDescription: [0xC3, 0x28], reactionID: 2)
        let ridJSON = try RecordKind.ridMessage.jsonObject(decoding: rid.encode())
        #expect(ridJSON["cAlertIDDesc"] == .object(["base64": "wyg="]))
        #expect(ridJSON["iRID"] == 2)
        #expect(try RIDMsgFormat(json: ridJSON) == rid)
    }

    @Test(arguments: ReactionArchitecture.allCases)
    func reactionJSON(architecture: ReactionArchitecture) throws {
        let kind = RecordKind.reactionMessage(architecture)
        let exec = ExecMessage(
            alertID: Array("0x1020".utf8), reactionID: 4, functionID: 1, numberOfArgs: 1,
            argFormatString: Array("echo TEST".utf8))
        let messages = [
            ReactionMessage(timestamp: 1_094_403_300, mode: ReactionMessage.MID_EXEC, modeData: .exec(exec)),
            ReactionMessage(mode: ReactionMessage.MID_RETVAL, modeData: .retval(ReactionMessage.RID_UNKNOWNFUNC)),
            ReactionMessage(mode: ReactionMessage.MID_SHOW, modeData: .show(5)),
            ReactionMessage(mode: ReactionMessage.MID_CHECK, modeData: .check(functionID: 9)),
            ReactionMessage(mode: ReactionMessage.MID_SUPPORTED, modeData: .supported(1)),
            ReactionMessage(mode: ReactionMessage.MID_ALL, modeData: .raw([0, 9])),
        ]
        for message in messages {
            let bytes = message.encode(architecture: architecture)
            let json = try kind.jsonObject(decoding: bytes)
            #expect(json["checksumValid"] == true)
            #expect(try kind.encode(json: json, keepGivenChecksum: true) == bytes)
            #expect(try kind.encode(json: json) == bytes)
        }
        let retval = try kind.jsonObject(decoding: messages[1].encode(architecture: architecture))
        #expect(retval["modeName"] == "MID_RETVAL")
        #expect(retval["ModeData"]?["Retval"]?["name"] == "RID_UNKNOWNFUNC")
    }

    @Test func cipherMsgJSON() throws {
        let kind = RecordKind.logFormat(.seed)
        let inner = specExampleLogFormat(fileType: 0).encode(layout: .seed)
        let envelope = CipherMsg.plaintext(inner)
        let json = envelope.jsonObject(inner: try kind.jsonObject(decoding: inner))
        #expect(json["ivLen"] == 0 && json["cipherTextLen"] == 1688)
        #expect(json["iv"] == "00000000000000000000000000000000")
        let parts = try CipherMsg.parts(fromJSON: json, kind: kind)
        #expect(parts.ivLength == 0 && parts.payload == nil && parts.iv == [UInt8](repeating: 0, count: 16))
        #expect(try kind.encode(json: parts.inner!) == inner)

        let sealed = CipherMsg(ivLength: 16, iv: Array(0..<16), payload: [UInt8](repeating: 0x5A, count: 1688))
        let opaque = sealed.jsonObject(inner: nil, decryptError: "no key")
        #expect(opaque["iv"] == "000102030405060708090a0b0c0d0e0f")
        let opaqueParts = try CipherMsg.parts(fromJSON: opaque, kind: kind)
        #expect(opaqueParts.payload == sealed.payload && opaqueParts.inner == nil && opaqueParts.ivLength == 16)

        #expect(throws: RecordError.self) { try CipherMsg.parts(fromJSON: opaque, kind: .logFormat(.v02)) }
        #expect(throws: RecordError.self) { try CipherMsg.parts(fromJSON: ["ivLen": 0], kind: kind) }
        #expect(throws: RecordError.self) { try CipherMsg.parts(fromJSON: ["iv": "00", "inner": [:]], kind: kind) }
        #expect(throws: RecordError.self) {
            try CipherMsg.parts(fromJSON: ["cipherTextLen": 6608, "inner": [:]], kind: kind)
        }
    }
}
