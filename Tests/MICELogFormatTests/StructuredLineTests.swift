// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICELogFormat
import MICERecords
import Testing

@Suite("StructuredLine and LogRecordBuilder: what the enhanced format module stores")
struct StructuredLineTests {
    static let firewall = "kernel: [UFW BLOCK] IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 LEN=60 PROTO=TCP SPT=1 DPT=22"
    static let scslog = "scslog2syslog: Syscall: open | Program: vi | PID: 1 | UID: 2 | EUID: 3"

    static func read(_ line: String, _ fileType: UInt32, detect: Bool = false) -> StructuredLine {
        Array(line.utf8).withUnsafeBytes { StructuredLine.read($0, fileType: fileType, detectTypes: detect) }
    }

    @Test("file: lines are kept plain (the original dropped them); typed lines parse")
    func byFileType() {
        let plain = Self.read("Jun 14 15:16:01 combo sshd[1]: hello", LogFormat.FTF_FILE)
        #expect(plain == StructuredLine(fileType: LogFormat.FTF_FILE, logType: .none, outcome: .plain))
        let wall = Self.read(Self.firewall, LogFormat.FTF_FIREWALL)
        #expect(wall.fileType == LogFormat.FTF_FIREWALL && wall.outcome == .parsed(problems: []))
        guard case .firewall(let record) = wall.logType else {
            Issue.record("no firewall part")
            return
        }
        #expect(record.destinationPort == 22)
        let scs = Self.read(Self.scslog, LogFormat.FTF_SCSLOG)
        guard case .scsLog(let audit) = scs.logType else {
            Issue.record("no scslog part")
            return
        }
        #expect(audit.euid == 3)
        #expect(Self.read(Self.firewall, LogFormat.FTF_LAUS).outcome == .plain)
    }

    @Test("a typed line of which nothing parses is kept, unparsed")
    func unparsed() {
        let line = Self.read("no firewall here", LogFormat.FTF_FIREWALL)
        #expect(line == StructuredLine(fileType: LogFormat.FTF_FIREWALL, logType: .none, outcome: .unparsed))
        #expect(Self.read("no scslog here", LogFormat.FTF_SCSLOG).outcome == .unparsed)
    }

    @Test("detectTypes: firewall and scslog lines in untyped files get their type")
    func detect() {
        #expect(Self.read(Self.firewall, LogFormat.FTF_FILE).fileType == LogFormat.FTF_FILE)
        #expect(Self.read(Self.firewall, LogFormat.FTF_FILE, detect: true).fileType == LogFormat.FTF_FIREWALL)
        #expect(Self.read(Self.scslog, LogFormat.FTF_UNKNOWN, detect: true).fileType == LogFormat.FTF_SCSLOG)
        #expect(Self.read("plain", LogFormat.FTF_FILE, detect: true).outcome == .plain)
    }

    @Test("the builder: host fields, zone in 0.2 only, structured part, cut line, valid checksum")
    func builder() throws {
        let identity = HostIdentity(
            host: "sensor", domain: ".example.org", ipAddress: "192.0.2.55",
            system: SystemIdentity(host: "x", sysname: "Linux", release: "6.1", version: "#1"))
        let zone = LocalTimezone(names: Array("CET CEST".utf8), daylight: 1)
        for layout in LogFormatLayout.allCases {
            var builder = LogRecordBuilder(layout: layout, identity: identity, timezone: zone)
            var output: [UInt8] = [0xAA]
            let line = Array(String(repeating: "z", count: 5000).utf8)
            let part = Self.read(Self.firewall, LogFormat.FTF_FIREWALL)
            builder.append(line: line, fileType: part.fileType, logType: part.logType, to: &output)
            #expect(output.count == 1 + layout.size && output[0] == 0xAA)
            let bytes = Array(output.dropFirst())
            #expect(try LogFormat.verifyChecksum(of: bytes, layout: layout) == .valid)
            let record = try LogFormat(decoding: bytes, layout: layout)
            #expect(record[text: \.host] == "sensor" && record[text: \.ipAddress] == "192.0.2.55")
            #expect(record[text: \.operatingSystem] == "Linux")
            #expect(record.logData.count == layout.logDataCapacity - 1)
            if layout == .v02 {
                #expect(record[text: \.timezone] == "CET CEST" && record.daylight == 1)
                #expect(record.fileType == LogFormat.FTF_FIREWALL && record.logType == part.logType)
            } else {
                #expect(record.timezone.isEmpty && record.daylight == 0)
            }
        }
    }

    @Test("LocalTimezone reads this process's zone: standard and daylight names")
    func timezone() {
        let zone = LocalTimezone.current()
        let names = String(decoding: zone.names, as: UTF8.self).split(separator: " ")
        #expect(names.count == 2)
        #expect(zone.daylight == 0 ? names[0] == names[1] : names[0] != names[1])
    }
}
