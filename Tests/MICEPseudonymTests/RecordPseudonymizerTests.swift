// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import MICEPseudonym
import MICERecords
import Testing

@Suite("RecordPseudonymizer: LogFormat records")
struct RecordPseudonymizerTests {
    static func pseudonymizer(_ layout: LogFormatLayout, minimumUID: UInt64 = 0) -> RecordPseudonymizer {
        RecordPseudonymizer(
            layout: layout,
            lines: LinePseudonymizer(cipher: PseudonymCipher(key: TestKeys.first), minimumUID: minimumUID),
            uids: UIDPermutation(key: TestKeys.first))
    }

    static func record(_ line: String, layout: LogFormatLayout, fileType: UInt32 = LogFormat.FTF_FILE) -> LogFormat {
        var record = LogFormat(
            host: Array("combo".utf8), domain: Array("example.org".utf8), ipAddress: Array("192.0.2.1".utf8),
            date: Array("2005/06/14".utf8), time: Array("15:16:01".utf8), logData: Array(line.utf8))
        record.fileType = fileType
        return record
    }

    static func process(
        _ pseudonymizer: inout RecordPseudonymizer, _ record: LogFormat, fileType: UInt32? = LogFormat.FTF_FILE
    ) throws -> (RecordPseudonymizer.Outcome, [UInt8]) {
        let bytes = record.encode(layout: pseudonymizer.layout, computeChecksum: true)
        var output: [UInt8] = []
        let outcome = try bytes.withUnsafeBytes { try pseudonymizer.process($0, fileType: fileType, into: &output) }
        return (outcome, output)
    }

    static let line =
        "Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; logname= uid=0 euid=0 "
        + "tty=NODEVssh ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root"

    @Test("the line is pseudonymized, the checksum valid, the rest intact", arguments: LogFormatLayout.allCases)
    func lineRecord(layout: LogFormatLayout) throws {
        var pseudonymizer = Self.pseudonymizer(layout)
        let original = Self.record(Self.line, layout: layout)
        let (outcome, output) = try Self.process(&pseudonymizer, original)
        #expect(outcome == .changed(truncated: false))
        #expect(output.count == layout.size)
        #expect(try LogFormat.verifyChecksum(of: output, layout: layout) == .valid)
        let record = try LogFormat(decoding: output, layout: layout)
        let text = record[text: \.logData]
        #expect(!text.contains("root") && !text.contains("hinet") && !text.contains("uid=0"))
        let revealed = PseudonymRevealer(cipher: PseudonymCipher(key: TestKeys.first)).revealLine(record.logData)
        #expect(String(decoding: revealed.line, as: UTF8.self) == Self.line)
        #expect(record.host == original.host && record.date == original.date && record.ipAddress == original.ipAddress)
        #expect(record.pseudonymized == (layout == .v02 ? 1 : 0))
        #expect(pseudonymizer.statistics.identifiers == 4)
    }

    @Test("nothing to replace, or a LAuS record: unchanged, nothing appended")
    func unchanged() throws {
        var pseudonymizer = Self.pseudonymizer(.v02)
        #expect(
            try Self.process(&pseudonymizer, Self.record("kernel: Built 1 zonelists", layout: .v02)) == (.unchanged, [])
        )
        let laus = Self.record(Self.line, layout: .v02, fileType: LogFormat.FTF_LAUS)
        #expect(try Self.process(&pseudonymizer, laus, fileType: LogFormat.FTF_LAUS) == (.unchanged, []))
        #expect(pseudonymizer.statistics.records == 2 && pseudonymizer.statistics.changed == 0)
    }

    @Test("a record of the wrong size is a RecordError")
    func wrongSize() {
        var pseudonymizer = Self.pseudonymizer(.seed)
        var output: [UInt8] = []
        let bytes = Self.record(Self.line, layout: .v02).encode(layout: .v02)
        #expect(throws: RecordError.self) {
            try bytes.withUnsafeBytes { try pseudonymizer.process($0, fileType: 1, into: &output) }
        }
        #expect(output.isEmpty)
    }

    @Test("a line that outgrows its field is cut at the field's end and counted")
    func truncation() throws {
        var pseudonymizer = Self.pseudonymizer(.seed)
        let line = String(repeating: "user=root ", count: 100)  // 1000 bytes, 100 identifiers
        let (outcome, output) = try Self.process(&pseudonymizer, Self.record(line, layout: .seed))
        #expect(outcome == .changed(truncated: true))
        let record = try LogFormat(decoding: output, layout: .seed)
        #expect(record.logData.count == 1023)
        #expect(pseudonymizer.statistics.truncatedLines == 1)
        #expect(try LogFormat.verifyChecksum(of: output, layout: .seed) == .valid)
    }

    @Test("0.2 firewall records: MAC, source and destination fields replaced; long pseudonyms cut and counted")
    func firewallFields() throws {
        var pseudonymizer = Self.pseudonymizer(.v02)
        var record = Self.record(
            "kernel: SuSE-FW-DROP-DEFAULT IN=eth0 OUT= MAC=00:16:3e:5e:6c:00:52:54:00:12:34:56:08:00 "
                + "SRC=198.51.100.7 DST=2001:db8::1 LEN=60", layout: .v02, fileType: LogFormat.FTF_FIREWALL)
        record.logType = .firewall(
            FirewallLogFormat(
                action: Array("DROP-DEFAULT".utf8), inputInterface: Array("eth0".utf8),
                mac: Array("00:16:3e:5e:6c:00:52:54:00:1".utf8), source: Array("198.51.100.7".utf8),
                destination: Array("2001:db8::1".utf8), ipLength: 60))
        let (outcome, output) = try Self.process(&pseudonymizer, record, fileType: LogFormat.FTF_FIREWALL)
        #expect(outcome == .changed(truncated: true))
        let result = try LogFormat(decoding: output, layout: .v02)
        guard case .firewall(let firewall) = result.logType else {
            Issue.record("not a firewall record")
            return
        }
        let cipher = PseudonymCipher(key: TestKeys.first)
        #expect(firewall[text: \.source] == (try cipher.pseudonym(for: "198.51.100.7", kind: .ip)))
        #expect(try cipher.reveal(firewall.source).string == "198.51.100.7")
        let destination = try cipher.pseudonym(for: "2001:db8::1", kind: .ip)
        #expect(firewall[text: \.destination] == String(destination.prefix(29)))
        #expect(firewall.mac.count == 29 && firewall[text: \.mac].hasPrefix("h-"))
        #expect(firewall.action == Array("DROP-DEFAULT".utf8) && firewall.ipLength == 60)
        #expect(pseudonymizer.statistics.truncatedFields == 2)
        #expect(result.pseudonymized == 1)
        #expect(!result[text: \.logData].contains("198.51.100.7"))
        #expect(try LogFormat.verifyChecksum(of: output, layout: .v02) == .valid)
    }

    @Test("0.2 scslog records: UID and EUID permuted (above minimumUID), identifiers in Call replaced")
    func scsLogFields() throws {
        var pseudonymizer = Self.pseudonymizer(.v02, minimumUID: 100)
        var record = Self.record(
            "scslog2syslog: Syscall: execve | Program: /bin/su | PID: 77 | UID: 500 | EUID: 0 | Call: su alice",
            layout: .v02, fileType: LogFormat.FTF_SCSLOG)
        record.logType = .scsLog(
            SCSLogFormat(
                syscall: Array("execve".utf8), program: Array("/bin/su".utf8), pid: 77, uid: 500, euid: 0,
                call: Array("login user=alice from 192.0.2.9".utf8)))
        let (_, output) = try Self.process(&pseudonymizer, record, fileType: LogFormat.FTF_SCSLOG)
        let result = try LogFormat(decoding: output, layout: .v02)
        guard case .scsLog(let scs) = result.logType else {
            Issue.record("not an scslog record")
            return
        }
        let uids = UIDPermutation(key: TestKeys.first)
        #expect(scs.uid == uids.pseudonymize(500) && uids.reveal(scs.uid) == 500)
        #expect(scs.euid == 0, "below minimumUID")
        #expect(scs.pid == 77 && scs.program == Array("/bin/su".utf8))
        #expect(!scs[text: \.call].contains("alice") && !scs[text: \.call].contains("192.0.2.9"))
        #expect(result[text: \.logData].contains("UID: uid-") && result[text: \.logData].contains("EUID: 0 "))
        #expect(result.pseudonymized == 1)
    }
}

@Suite("PseudonymizerConfiguration: keys and patterns from the module configuration")
struct PseudonymizerConfigurationTests {
    static let key = TestKeys.first.base64

    @Test("a missing key names key; both names keyFile; a short key names key")
    func keyErrors() {
        #expect {
            try PseudonymizerConfiguration(json: .object([:]))
        } throws: { error in
            let error = error as! PseudonymError
            return error.key == "key" && error.message.contains("no key")
        }
        #expect {
            try PseudonymizerConfiguration(json: ["key": .string(Self.key), "keyFile": "/x"])
        } throws: { ($0 as! PseudonymError).key == "keyFile" }
        #expect {
            try PseudonymizerConfiguration(json: ["key": "c2hvcnQ="])
        } throws: { ($0 as! PseudonymError).key == "key" }
        #expect {
            try PseudonymizerConfiguration(json: ["keyFile": "/nonexistent/mice.key"])
        } throws: { error in
            let error = error as! PseudonymError
            return error.key == "keyFile" && error.message.contains("/nonexistent/mice.key")
        }
    }

    @Test("patterns replace the defaults, extraPatterns add to them; errors name the element")
    func patterns() throws {
        let replaced = try PseudonymizerConfiguration(json: [
            "key": .string(Self.key), "patterns": [["kind": "user", "pattern": "name=(?<value>\\w+)"]],
        ])
        #expect(replaced.patterns.count == 1 && replaced.patterns[0].kind == .user)
        let extended = try PseudonymizerConfiguration(json: [
            "key": .string(Self.key), "extraPatterns": [["kind": "host", "pattern": "^\\S+ (?<value>\\S+)"]],
            "minUid": 1000,
        ])
        #expect(extended.patterns.count == IdentifierPattern.defaultSources.count + 1)
        #expect(extended.minimumUID == 1000)
        let cases: [(JSONValue, String)] = [
            (["patterns": [["kind": "user", "pattern": "name=(\\w+)"]]], "patterns[0].pattern"),
            (["patterns": [["kind": "person", "pattern": "(?<value>x)"]]], "patterns[0].kind"),
            (["extraPatterns": [["kind": "user", "pattern": "(?<value>x"]]], "extraPatterns[0].pattern"),
            (["extraPatterns": ["text"]], "extraPatterns[0]"),
            (["patterns": "x"], "patterns"),
            (["minUid": -1], "minUid"),
        ]
        for (extra, key) in cases {
            var object = extra.objectValue!
            object["key"] = .string(Self.key)
            #expect(
                performing: {
                    try PseudonymizerConfiguration(json: .object(object))
                }, throws: { ($0 as! PseudonymError).key == key })
        }
    }

    @Test("every built-in pattern compiles with a value group")
    func defaults() {
        #expect(IdentifierPattern.defaults().count == IdentifierPattern.defaultSources.count)
    }
}
