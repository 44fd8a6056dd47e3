// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICELogFormat
import MICERecords
import Testing

@Suite("FirewallLogParser: SuSEfirewall and kernel netfilter lines")
struct FirewallLogParserTests {
    static func parse(_ line: String) -> ParsedLine<FirewallLogFormat>? {
        FirewallLogParser.parse(Array(line.utf8))
    }

    @Test("SuSEfirewall TCP line: every field, first LEN= is the IP length, hex TOS/PREC")
    func suseTCP() throws {
        let line =
            "Sep  5 18:55:00 fw kernel: SuSE-FW-DROP-DEFAULT IN=eth0 OUT= MAC=00:16:3e:5e:6c:00:52:54:00:12:34:56:08:00 "
            + "SRC=198.51.100.7 DST=192.0.2.1 LEN=60 TOS=0x10 PREC=0x20 TTL=52 ID=4242 DF PROTO=TCP SPT=4444 DPT=22 "
            + "WINDOW=5840 RES=0x00 SYN URGP=0"
        let parsed = try #require(Self.parse(line))
        let record = parsed.record
        #expect(record[text: \.action] == "DROP-DEFAULT")
        #expect(record[text: \.inputInterface] == "eth0")
        #expect(record.outputInterface.isEmpty)
        #expect(record[text: \.mac] == "00:16:3e:5e:6c:00:52:54:00:12", "cut to cMAC[30]")
        #expect(record[text: \.source] == "198.51.100.7")
        #expect(record[text: \.destination] == "192.0.2.1")
        #expect(record.ipLength == 60)
        #expect(record.tos == 0x10 && record.precedence == 0x20)
        #expect(record.ttl == 52 && record.id == 4242)
        #expect(record[text: \.transportProtocol] == "TCP")
        #expect(record.sourcePort == 4444 && record.destinationPort == 22)
        #expect(record.packetLength == 0, "TCP lines have no transport LEN=")
        #expect(parsed.problems.isEmpty)
    }

    @Test("SuSEfirewall UDP line: the LEN= after PROTO= is the packet length")
    func suseUDP() throws {
        let line =
            "kernel: SuSE-FW-ACCEPT IN=eth1 OUT= MAC= SRC=192.0.2.53 DST=192.0.2.1 LEN=76 TOS=0x00 PREC=0x00 TTL=64 "
            + "ID=0 DF PROTO=UDP SPT=53 DPT=33333 LEN=56"
        let record = try #require(Self.parse(line)).record
        #expect(record[text: \.action] == "ACCEPT")
        #expect(record.ipLength == 76 && record.packetLength == 56)
        #expect(record.sourcePort == 53 && record.destinationPort == 33333)
    }

    @Test("iptables LOG line of ufw: the action is the prefix without brackets")
    func ufw() throws {
        let line =
            "Mar  3 10:00:06 gw kernel: [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:00:16:3e:5e:6c:00:08:00 "
            + "SRC=1.2.3.4 DST=5.6.7.8 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=4242 DF PROTO=TCP SPT=4444 DPT=22 "
            + "WINDOW=29200 RES=0x00 SYN URGP=0"
        let parsed = try #require(Self.parse(line))
        #expect(parsed.record[text: \.action] == "UFW BLOCK")
        #expect(parsed.record[text: \.source] == "1.2.3.4" && parsed.record[text: \.destination] == "5.6.7.8")
        #expect(parsed.record.destinationPort == 22 && parsed.record.id == 4242)
    }

    @Test("nftables log line with the kernel's time stamp and a colon prefix")
    func nftables() throws {
        let line =
            "Mar  3 10:00:07 gw kernel: [ 1234.567890] nft drop in: IN=enp1s0 OUT= MAC=00:16:3e:5e:6c:00:52:54:00:12:34:56:08:00 "
            + "SRC=203.0.113.9 DST=192.0.2.1 LEN=40 TOS=0x00 PREC=0x00 TTL=244 ID=54321 PROTO=UDP SPT=5353 DPT=53 LEN=20"
        let record = try #require(Self.parse(line)).record
        #expect(record[text: \.action] == "nft drop in")
        #expect(record[text: \.inputInterface] == "enp1s0")
        #expect(record.ttl == 244 && record.id == 54321 && record.ipLength == 40 && record.packetLength == 20)
    }

    @Test("ICMP error: the quoted packet's fields are not the packet's; ICMP ID= is not the IP ID")
    func icmp() throws {
        let line =
            "kernel: IPTables-Dropped: IN=eth0 OUT= SRC=192.0.2.9 DST=192.0.2.1 LEN=84 TOS=0x00 PREC=0xC0 TTL=64 "
            + "ID=999 PROTO=ICMP TYPE=3 CODE=3 ID=7 [SRC=192.0.2.1 DST=192.0.2.9 LEN=56 TOS=0x00 PREC=0x00 TTL=64 "
            + "ID=1 PROTO=UDP SPT=40000 DPT=33434 LEN=36 ]"
        let record = try #require(Self.parse(line)).record
        #expect(record[text: \.action] == "IPTables-Dropped")
        #expect(record.id == 999 && record.precedence == 0xC0)
        #expect(record.sourcePort == 0 && record.destinationPort == 0 && record.packetLength == 0)
        #expect(record[text: \.source] == "192.0.2.9")
    }

    @Test("IPv6: TC= and HOPLIMIT= fill TOS and TTL; the address is cut to cSource[30]")
    func ipv6() throws {
        let line =
            "kernel: [UFW BLOCK] IN=eth0 OUT= MAC=33:33:00:00:00:fb:00:16:3e:5e:6c:00:86:dd "
            + "SRC=2001:0db8:85a3:0000:0000:8a2e:0370:7334 DST=ff02::fb LEN=100 TC=8 HOPLIMIT=255 FLOWLBL=0 "
            + "PROTO=UDP SPT=5353 DPT=5353 LEN=60"
        let record = try #require(Self.parse(line)).record
        #expect(record[text: \.source] == "2001:0db8:85a3:0000:0000:8a2e")
        #expect(record.tos == 8 && record.ttl == 255 && record.packetLength == 60)
    }

    @Test("hostile lines: bad numbers are 0 and reported, missing fields empty, over-long values cut")
    func hostile() throws {
        let long = String(repeating: "x", count: 400)
        let line =
            "kernel: SuSE-FW-\(String(repeating: "D", count: 80)) IN=\(long) OUT= SRC=\(long) LEN=abc TTL=99999999999 "
            + "TOS=0xZZ ID=-1 PROTO=VERYLONGPROTOCOLNAME DPT=22x"
        let parsed = try #require(Self.parse(line))
        let record = parsed.record
        #expect(record.action.count == 49 && record.inputInterface.count == 254 && record.source.count == 29)
        #expect(record.transportProtocol == Array("VERYLONGP".utf8))
        #expect(
            record.ipLength == 0 && record.ttl == 0 && record.tos == 0 && record.id == 0 && record.destinationPort == 0)
        #expect(record.destination.isEmpty && record.mac.isEmpty)
        let problems = parsed.problems.joined(separator: "\n")
        for expected in ["LEN=: \"abc\"", "TTL=", "TOS=", "ID=", "DPT=", "DST=: missing"] {
            #expect(problems.contains(expected), "\(expected) not in \(problems)")
        }
    }

    @Test(
        "not a packet-filter line, or nothing in it: nil",
        arguments: [
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0",
            "kernel: IN=eth0 without an output token",
            "LOGIN=eth0 OUT=eth1",
            "",
        ])
    func notFirewall(line: String) {
        #expect(Self.parse(line) == nil)
        #expect(!Array(line.utf8).withUnsafeBytes { FirewallLogParser.recognizes($0) })
    }

    @Test("invalid UTF-8 and NUL bytes do not stop the parser")
    func binaryBytes() throws {
        var line = Array("kernel: SuSE-FW-DROP IN=eth0 OUT= SRC=".utf8)
        line += [0xFF, 0xFE, 0x00, 0x41]
        line += Array(" DST=192.0.2.1 PROTO=TCP DPT=22".utf8)
        let record = try #require(FirewallLogParser.parse(line)).record
        #expect(record.source == [0xFF, 0xFE, 0x00, 0x41])
        #expect(record.destinationPort == 22)
    }
}
