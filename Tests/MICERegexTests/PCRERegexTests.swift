// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERegex
import Testing

@Suite struct PCRERegexTests {
    @Test func searchesAndAnchors() throws {
        let line = Array("Sep  5 18:55:00 host sshd[1]: Failed password for root".utf8)
        #expect(try PCRERegex("Failed password").matches(line))
        #expect(!(try PCRERegex("Failed password", options: .anchored).matches(line)))
        #expect(try PCRERegex(".*Failed password", options: .anchored).matches(line))
        #expect(!(try PCRERegex("Accepted").matches(line)))
    }

    @Test func matchesBinaryAndInvalidUTF8Subjects() throws {
        let subject: [UInt8] = [0xFF, 0x00, 0xFE] + Array("IPUP: up".utf8)
        #expect(try PCRERegex("IPUP:").matches(subject))
        #expect(try PCRERegex("\\x00\\xfe").matches(subject))
    }

    @Test func namedCaptures() throws {
        let regex = try PCRERegex(#"Failed password for (?<user>\S+) from (?<src>[0-9.]+)"#)
        let line = Array("sshd[9]: Failed password for root from 192.0.2.7 port 22".utf8)
        let match = try #require(regex.firstMatch(in: line))
        let user = try #require(match.range(named: "user"))
        let source = try #require(match.range(named: "src"))
        #expect(String(decoding: line[user], as: UTF8.self) == "root")
        #expect(String(decoding: line[source], as: UTF8.self) == "192.0.2.7")
        #expect(match.range(named: "nothing") == nil)
    }

    @Test func optionalGroupThatDidNotTakePartIsNil() throws {
        let match = try #require(try PCRERegex("a(b)?(c)").firstMatch(in: Array("ac".utf8)))
        #expect(match.ranges[1] == nil)
        #expect(match.ranges[2] == 1..<2)
    }

    @Test func badPatternNamesTheOffset() {
        do {
            _ = try PCRERegex("abc(def")
            Issue.record("compiled")
        } catch {
            #expect(error.offset == 7)
            #expect(error.description.contains("abc(def"))
        }
    }
}
