// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEPseudonym
import MICETestSupport
import Testing

/// The real lines of Tests/Fixtures/logs/loghub-linux-auth.log (see LICENSE.md there).
enum LogFixture {
    static let path = TestPaths.repositoryRoot + "/Tests/Fixtures/logs/loghub-linux-auth.log"

    static func lines() throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// The identifiers of each fixture line, in line order, as (kind, text).
    static let identifiers: [[(PseudonymKind, String)]] = [
        [(.uid, "0"), (.uid, "0"), (.ip, "218.188.2.4")],
        [(.uid, "0"), (.uid, "0"), (.host, "220-135-151-1.hinet-ip.hinet.net"), (.user, "root")],
        [],
        [(.user, "cyrus"), (.uid, "0")],
        [(.user, "news")],
        [(.user, "test"), (.uid, "509")],
        [(.uid, "0"), (.uid, "0"), (.ip, "211.46.224.253"), (.user, "guest")],
        [(.uid, "0"), (.uid, "0"), (.host, "ip-216-69-169-168.ip.secureserver.net")],
        [(.ip, "163.27.187.39"), (.ip, "163.27.187.39")],
        [(.ip, "206.196.21.129"), (.host, "host129.206.196.21.maximumasp.com")],
        [(.ip, "222.33.90.199")],
        [(.user, "bhcompile"), (.host, "bugs.build.redhat.com")],
        [(.user, "root")],
        [(.uid, "0"), (.uid, "0")],
        [(.uid, "0"), (.uid, "0"), (.ip, "212.0.132.20"), (.user, "test")],
    ]
}

@Suite("LinePseudonymizer: identifiers in real log lines")
struct LinePseudonymizerTests {
    static func pseudonymizer(_ key: PseudonymKey = TestKeys.first) -> LinePseudonymizer {
        LinePseudonymizer(cipher: PseudonymCipher(key: key))
    }

    @Test("loghub sshd, PAM, su, klogind, ftpd, login, kernel lines: every identifier replaced, revealed in order")
    func fixtureLines() throws {
        let lines = try LogFixture.lines()
        try #require(lines.count == LogFixture.identifiers.count)
        var pseudonymizer = Self.pseudonymizer()
        let revealer = PseudonymRevealer(cipher: PseudonymCipher(key: TestKeys.first))
        var kindsSeen = Set<PseudonymKind>()
        for (line, expected) in zip(lines, LogFixture.identifiers) {
            let result = pseudonymizer.pseudonymize(Array(line.utf8))
            #expect((result?.replaced ?? 0) == expected.count, "\(line)")
            let output = result.map { String(decoding: $0.line, as: UTF8.self) } ?? line
            for (kind, value) in expected {
                kindsSeen.insert(kind)
                if kind == .uid {
                    #expect(output.range(of: #"uid=\d"#, options: .regularExpression) == nil, "\(output)")
                } else {
                    let word = #"(?<![\w.-])"# + NSRegularExpression.escapedPattern(for: value) + #"(?![\w-])"#
                    #expect(output.range(of: word, options: .regularExpression) == nil, "\(value) in clear: \(output)")
                }
            }
            let revealed = revealer.revealLine(Array(output.utf8))
            #expect(revealed.revealed.map(\.kind) == expected.map(\.0), "\(output)")
            #expect(revealed.revealed.map(\.string) == expected.map(\.1))
            #expect(revealed.refused.isEmpty)
            #expect(String(decoding: revealed.line, as: UTF8.self) == line)
        }
        #expect(kindsSeen == [.user, .uid, .ip, .host])
    }

    @Test("the fixture keeps what is not an identifier: times, versions, pids, 'user unknown'")
    func keepsTheRest() throws {
        var pseudonymizer = Self.pseudonymizer()
        let lines = try LogFixture.lines()
        let kernel = String(decoding: pseudonymizer.pseudonymize(Array(lines[11].utf8))!.line, as: UTF8.self)
        #expect(kernel.hasPrefix("Jul 27 14:41:57 combo kernel: Linux version 2.6.5-1.358 ("))
        #expect(kernel.contains("(gcc version 3.3.3 20040412 (Red Hat Linux 3.3.3-7)) #1 Sat May 8 09:04:50 EDT 2004"))
        #expect(pseudonymizer.pseudonymize(Array(lines[2].utf8)) == nil)
        let ftp = String(decoding: pseudonymizer.pseudonymize(Array(lines[9].utf8))!.line, as: UTF8.self)
        #expect(ftp.hasPrefix("Jul  9 22:53:19 combo ftpd[24085]: connection from ip-"))
        #expect(ftp.hasSuffix(") at Sat Jul  9 22:53:19 2005 "))
    }

    @Test(
        "modern sshd, sudo, su, netfilter and IPv6 lines",
        arguments: [
            (
                "Mar  3 10:00:01 gw sshd[811]: Failed password for invalid user admin from 203.0.113.5 port 22 ssh2",
                [PseudonymKind.user, .ip], ["admin", "203.0.113.5"]
            ),
            (
                "Mar  3 10:00:02 gw sshd[812]: Accepted publickey for alice from 2001:db8::7 port 5555 ssh2",
                [.user, .ip], ["alice", "2001:db8::7"]
            ),
            (
                "Mar  3 10:00:03 gw sshd[813]: pam_unix(sshd:session): session opened for user bob(uid=1001) by (uid=0)",
                [.user, .uid, .uid], ["bob", "1001", "0"]
            ),
            (
                "Mar  3 10:00:04 gw sudo:    carol : TTY=pts/0 ; PWD=/home/carol ; USER=root ; COMMAND=/bin/ls",
                [.user, .user], ["carol", "root"]
            ),
            ("Mar  3 10:00:05 gw su[900]: (to root) dave on pts/1", [.user, .user], ["root", "dave"]),
            (
                "Mar  3 10:00:06 gw kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00:16:3e:5e:6c:00:52:54:00:12:34:56:08:00 SRC=198.51.100.7 DST=192.0.2.1 LEN=60 TOS=0x00",
                [.mac, .ip, .ip], ["00:16:3e:5e:6c:00:52:54:00:12:34:56:08:00", "198.51.100.7", "192.0.2.1"]
            ),
            (
                "Mar  3 10:00:07 gw sshd[814]: Connection closed by authenticating user eve [fe80::1]:2222 [preauth]",
                [.user, .ip], ["eve", "fe80::1"]
            ),
            (
                "Mar  3 10:00:08 gw postfix/smtpd[77]: connect from mail.example.org[192.0.2.25]",
                [.host, .ip], ["mail.example.org", "192.0.2.25"]
            ),
        ])
    func modernLines(line: String, kinds: [PseudonymKind], values: [String]) {
        var pseudonymizer = Self.pseudonymizer()
        guard let result = pseudonymizer.pseudonymize(Array(line.utf8)) else {
            Issue.record("nothing replaced in \(line)")
            return
        }
        let revealed = PseudonymRevealer(cipher: PseudonymCipher(key: TestKeys.first)).revealLine(result.line)
        #expect(revealed.revealed.map(\.kind) == kinds)
        #expect(revealed.revealed.map(\.string) == values)
        #expect(String(decoding: revealed.line, as: UTF8.self) == line)
    }

    @Test(
        "no false identifiers in times, versions, paths, modules, MACs too short",
        arguments: [
            "Jun 14 15:16:01 combo syslogd 1.4.1: restart.",
            "Jun 14 15:16:01 combo sshd(pam_unix)[19937]: check pass; user unknown",
            "kernel: PCI: Using IRQ router PIIX/ICH [8086/2410] at 0000:00:1f.0",
            "PAM unable to dlopen(/lib/security/pam_unix.so): /etc/resolv.conf missing",
            "gpm[2094]: *** info [mice.c(1766)]:",
            "audit(1122475266.4294965305:0): initialized",
        ])
    func noFalseIdentifiers(line: String) {
        var pseudonymizer = Self.pseudonymizer()
        #expect(pseudonymizer.pseudonymize(Array(line.utf8)) == nil)
    }

    @Test("rhost= with an address is sealed as ip; overlapping patterns replace once")
    func overlaps() throws {
        var pseudonymizer = Self.pseudonymizer()
        let cipher = PseudonymCipher(key: TestKeys.first)
        let output = pseudonymizer.pseudonymize(Array("rhost=218.188.2.4 user=root".utf8))
        let result = try #require(output)
        #expect(result.replaced == 2)
        let expected =
            "rhost=\(try cipher.pseudonym(for: "218.188.2.4", kind: .ip)) user=\(try cipher.pseudonym(for: "root", kind: .user))"
        #expect(String(decoding: result.line, as: UTF8.self) == expected)
    }

    @Test("pseudonymizing twice changes nothing more (pseudonyms of the key are left alone)")
    func idempotent() throws {
        var pseudonymizer = Self.pseudonymizer()
        for line in try LogFixture.lines() {
            guard let once = pseudonymizer.pseudonymize(Array(line.utf8)) else { continue }
            #expect(pseudonymizer.pseudonymize(once.line) == nil, "\(String(decoding: once.line, as: UTF8.self))")
        }
        var other = Self.pseudonymizer(TestKeys.second)
        let output = pseudonymizer.pseudonymize(Array("user=root".utf8))
        let sealed = try #require(output)
        #expect(other.pseudonymize(sealed.line)?.replaced == 1, "another key's pseudonym is a value like any other")
    }

    @Test("minimumUID keeps low uids in clear")
    func minimumUID() throws {
        var pseudonymizer = LinePseudonymizer(cipher: PseudonymCipher(key: TestKeys.first), minimumUID: 500)
        let output = pseudonymizer.pseudonymize(Array("uid=0 euid=509".utf8))
        let result = try #require(output)
        let text = String(decoding: result.line, as: UTF8.self)
        #expect(text.hasPrefix("uid=0 euid=uid-"))
        #expect(result.replaced == 1)
    }

    @Test("revealing a line pseudonymized under another key leaves the pseudonyms and reports them")
    func revealWithAnotherKey() throws {
        var pseudonymizer = Self.pseudonymizer(TestKeys.second)
        let output = pseudonymizer.pseudonymize(Array("Failed password for root from 192.0.2.9 port 22".utf8))
        let line = try #require(output)
        let result = PseudonymRevealer(cipher: PseudonymCipher(key: TestKeys.first)).revealLine(line.line)
        #expect(result.revealed.isEmpty)
        #expect(result.refused.count == 2)
        #expect(result.line == line.line)
    }

    @Test("a pseudonym followed by '-' or '_' of the text is still found")
    func trailingSeparators() throws {
        let cipher = PseudonymCipher(key: TestKeys.first)
        let revealer = PseudonymRevealer(cipher: cipher)
        for value in ["root", "alice", "bob", "carol", "dave", "eve", "mallory", "trent"] {
            let pseudonym = try cipher.pseudonym(for: value, kind: .user)
            let result = revealer.revealLine(Array("[\(pseudonym)--x]".utf8))
            #expect(String(decoding: result.line, as: UTF8.self) == "[\(value)--x]")
        }
    }
}
