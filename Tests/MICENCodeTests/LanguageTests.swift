// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICENCode
import Testing

/// The test programs T1–T14 of ncode-notes.md A.10, with golden outputs.
@Suite("N-Code language: T1–T14")
struct LanguageTests {
    @Test("T1: echo of a string with an escape")
    func helloWorld() throws {
        #expect(try runTopLevel(#"echo("hello world\n");"#).1.text == "hello world\n")
    }

    @Test("T2: arithmetic has no precedence, left to right: 1+2*3+4 is 13")
    func noArithmeticPrecedence() throws {
        #expect(try runTopLevel("echo(1+2*3+4);").1.text == "13")
        #expect(try runTopLevel("echo(2+6/2, \" \", 10-2-3, \" \", 1|2&1, \" \", 7%4*2);").1.text == "4 5 1 6")
    }

    @Test("T3: echo prints each argument without separators, lists as [a,b]")
    func echoForms() throws {
        #expect(try runTopLevel(#"echo(1, 2, 3, [1,2,3], "\n");"#).1.text == "123[1,2,3]\n")
        let mixed = #"echo([16842752, 10.0.0.1, 10.0.0.0:255.0.0.0, "Private Network", [10.0.0.0, 10.255.255.255]]);"#
        #expect(
            try runTopLevel(mixed).1.text
                == "[16842752,10.0.0.1,10.0.0.0:255.0.0.0,Private Network,[10.0.0.0,10.255.255.255]]")
    }

    @Test("T4: arguments are evaluated before printing; echo returns error(user error)")
    func echoInsideEcho() throws {
        #expect(
            try runTopLevel(#"echo(1, 2, echo("one"), [1,2,3], "\n");"#).1.text == "one12error(user error)[1,2,3]\n")
    }

    @Test("T5: $ locals keep their value across calls; $1 and $#")
    func staticLocals() throws {
        var text = """
            func next {
                if ($# > 0) $a = $1; else $a = $a + 1;
                return $a;
            }
            echo(next(1), "\\n");

            """
        for _ in 0..<11 { text += "echo(next(), \"\\n\");\n" }
        let (_, host) = try runTopLevel(text)
        #expect(host.text == (1...12).map { "\($0)\n" }.joined())
        #expect(host.diagnostics.isEmpty)
    }

    @Test("T6: comparisons bind tighter than && and ||, which have no precedence among themselves")
    func logicalPrecedence() throws {
        #expect(try runTopLevel("echo(1 || 0 && 0);").1.text == "0")
        #expect(try runTopLevel("echo(3 == 6 || 3 == 3);").1.text == "1")
        #expect(try runTopLevel("echo(0 && 1 || 1, 1 == 1 && 2 == 3);").1.text == "10")
        #expect(try runTopLevel("echo(1 + 1 == 2, 2 == 1 + 1, 3 & 1 == 1);").1.text == "111")
        #expect(try runTopLevel("echo(! 0 == 1, ! 1 == 1);").1.text == "10")
    }

    @Test("T7: hex integers and hex-octet hosts; hosts print dotted")
    func hexLiterals() throws {
        #expect(try runTopLevel(#"echo(0x10, " ", 0xde.0xad.0xfe.0xed);"#).1.text == "16 222.173.254.237")
    }

    @Test("T8: inside: networks, nested lists, mixed types without errors")
    func inside() throws {
        let text = """
            nets = [ 10.0.0.0:255.255.0.0 ];
            echo(10.0.1.7 inside nets, 10.2.0.1 inside nets);
            echo(10.9.9.9 inside [ 1, "x", [ 192.168.0.0:255.255.0.0, [ 10.9.0.0:255.255.0.0 ] ] ]);
            echo("x" inside [ 1, 10.0.0.1, "x" ], 5 inside [ "5", 10.0.0.5 ], 10.0.0.5 inside null);
            echo(10.0.1.0:255.255.255.0 inside nets, 10.0.0.1 inside 10.0.0.0:255.0.0.0);
            """
        let (_, host) = try runTopLevel(text)
        #expect(host.text == "10" + "1" + "100" + "11")
        #expect(host.diagnostics.isEmpty)
    }

    @Test("T9: a list equals an int it contains")
    func listComparison() throws {
        #expect(try runTopLevel("echo(3 == [1,2,3], 4 == [1,2,3], [1,2,3] == 2, 3 != [1,2,3]);").1.text == "1010")
    }

    @Test("T10: unset variables are null; errors are values, reported once per call site; the program continues")
    func nullAndErrors() throws {
        let text = """
            echo(u == null, $u == null, null == null, 0 == null, "\\n");
            func bump { return $1 + 1; }
            x = $u + 1;
            echo(x, "\\n");
            i = 0;
            while (i < 3) { y = bump("s"); i = i + 1; }
            echo(y, " ", x + 1, "\\n");
            echo("still running\\n");
            """
        let (_, host) = try runTopLevel(text)
        #expect(
            host.text == """
                1110
                error(cannot apply '+' to null and int)
                error(cannot apply '+' to string and int) error(cannot apply '+' to null and int)
                still running

                """)
        #expect(
            host.diagnostics.map(\.message) == [
                "cannot apply '+' to null and int", "cannot apply '+' to string and int",
            ])
        #expect(
            host.diagnostics.map(\.origin) == [
                NCodeOrigin(path: "t.nfr", line: 3), NCodeOrigin(path: "t.nfr", line: 2),
            ])
    }

    @Test("T11: index, substr (2 and 3 arguments), strlen, cat")
    func strings() throws {
        let text = #"""
            s = "abc\ndef";
            echo(index(s, "\n"), " ", substr(s, 0, 3), " ", substr(s, 4), " ", strlen(s), " ", cat("ab", 1, "cd"));
            echo(" ", index(s, "zz"), " ", substr(s, 7), "|", substr(s, 1, 6), " ", substr(s, 2, 6));
            """#
        let (_, host) = try runTopLevel(text)
        #expect(
            host.text == "3 abc def 7 ab1cd -1 |bc\ndef error(substr: 6 bytes from offset 2 exceed the 7-byte string)")
        #expect(host.diagnostics.count == 1)
    }

    @Test("T12: late binding: a filter records to a recorder assigned later in the file")
    func lateBinding() throws {
        let text = """
            filter late ip ( ) {
                record ip.src, counter to late_recorder ;
            }
            counter = 7;
            late_schema = library_schema:new(1, [ "time", "ip", "int" ], scope());
            late_recorder = recorder("bin/list packages/test/late.cfg", "late_schema");
            """
        let (program, host) = try runTopLevel(text, path: "packages/test/late.nfr")
        TestPacket.ping("10.1.1.1", "10.2.2.2").run(through: program)
        #expect(host.recorders.count == 1)
        #expect(host.recorders.first?.schemaName == "late_schema")
        #expect(
            host.recorders.first?.schema
                == .schema(NCodeSchema(version: 1, columns: ["time", "ip", "int"], scope: "test:late")))
        #expect(
            host.records == [
                .init(values: [.host(ip("10.1.1.1")), .int(7)], recorder: .handle(.init(kind: "recorder", id: 1)))
            ])
        #expect(host.diagnostics.isEmpty)
    }

    @Test("T13: syntax errors name file, line and column")
    func syntaxErrors() throws {
        let missing = compileError("a = 1\necho(a);\n", path: "new_badhosts.nfr")
        #expect(missing?.description == "new_badhosts.nfr:2:1: expected ';' after the statement, found 'echo'")
        #expect(missing?.code == .syntax)
        let unknown = compileError("x = 1;\n  y = 2 @ 3;\n")
        #expect(unknown?.description == "t.nfr:2:9: unexpected character '@'")
        let dangling = compileError("z = 1 +;")
        #expect(dangling?.description == "t.nfr:1:8: expected an operand after '+', found ';'")
        #expect(compileError("echo(nosuch(1));")?.code == .unknownFunction)
        #expect(compileError("echo(ip.nosuch);")?.code == .unknownField)
        #expect(compileError("filter f ethernet ( ) { }")?.code == .badFilter)
        #expect(compileError("echo(1, 2;")?.line == 1)
        #expect(compileError("if (1) { echo(1);")?.description.hasPrefix("t.nfr:1:18: expected '}'") == true)
        #expect(compileError("break;")?.description == "t.nfr:1:1: 'break' outside a loop")
        #expect(compileError("substr(\"a\");")?.code == .badArguments)
    }

    @Test("T14: byte and short read ip.blob big-endian; out of range is an error value")
    func blobReads() throws {
        let text = """
            filter icmp_echo icmp ( ) {
                echo(byte(ip.blob, 0), " ", short(ip.blob, 2), " ", byte(ip.blob, 8), " ", short(ip.blob, 7), "\\n");
                copy = ip.blob;
            }
            """
        let (program, host) = try runTopLevel(text)
        TestPacket.ping("10.0.0.1", "10.0.0.2").run(through: program)
        #expect(
            host.text
                == "8 63485 error(byte: offset 8 outside the 8-byte blob) error(short: offset 7 outside the 8-byte blob)\n"
        )
        #expect(host.diagnostics.count == 2)
        #expect(program.global("copy") == .string([8, 0, 0xF7, 0xFD, 0x12, 0x34, 0x00, 0x01]))
        let generic = try runTopLevel(#"b = "\x01\x02\x03"; echo(short(b, 1), " ", byte(b, 0), " ", byte(b, -1));"#)
        #expect(generic.1.text == "515 1 error(byte: offset -1 outside the 3-byte blob)")
    }
}

/// The packet fast path for `ip.src inside GLOBAL` answers like the generic `inside`.
@Suite("N-Code: inside on packet addresses")
struct PacketInsideTests {
    @Test("the cached host list follows reassignment, element assignment, nesting and arrays")
    func cacheFollowsAssignments() throws {
        let text = """
            watch = [ 10.0.0.1 ];
            filter w ip ( ) {
                echo(ip.src inside watch, ip.dst inside watch);
                if (ip.protocol == 17) watch = [ 10.0.0.0:255.0.0.0, [ 192.168.1.1 ] ];
                if (ip.protocol == 6) watch[ip.src] = 1;
            }
            """
        let (program, host) = try runTopLevel(text)
        TestPacket.ping("10.0.0.1", "10.0.0.2").run(through: program)
        #expect(host.takeText() == "10")
        TestPacket.udp("10.9.9.9", 1, "192.168.1.1", 2).run(through: program)
        #expect(host.takeText() == "00")
        TestPacket.ping("10.5.5.5", "192.168.1.1").run(through: program)
        #expect(host.takeText() == "11")
        TestPacket.ping("11.0.0.1", "192.168.1.2").run(through: program)
        #expect(host.takeText() == "00")
        TestPacket.tcp("11.0.0.1", 1, "192.168.1.2", 2, flags: 2).run(through: program)
        #expect(host.takeText() == "00")
        #expect(host.diagnostics.map(\.message) == ["cannot assign by key to a list"])
        let array = try runTopLevel("a[10.0.0.1] = 1; filter f ip ( ) { echo(ip.src inside a, ip.dst inside a); }")
        TestPacket.ping("10.0.0.1", "10.0.0.2").run(through: array.0)
        #expect(array.1.text == "10")
        let unset = try runTopLevel("filter f ip ( ) { echo(ip.src inside nothing, ip.src inside 10.0.0.1); }")
        TestPacket.ping("10.0.0.1", "10.0.0.2").run(through: unset.0)
        #expect(unset.1.text == "01")
    }
}

/// T16, the language side: record statements hand typed rows to the host.
@Suite("N-Code: record")
struct RecordTests {
    @Test("T16: five record calls give five rows with their column types")
    func fiveRows() throws {
        let text = """
            s = library_schema:new(1, [ "time", "ip", "int", "string", "net" ], scope());
            r = recorder("bin/list packages/test/rows.cfg", "s");
            i = 0;
            while (i < 5) {
                record system.time, 10.0.0.1 + i, i * 10, cat("row ", i), 10.0.0.0:255.0.0.0 to r;
                i = i + 1;
            }
            record 1 to nothing;
            """
        let (_, host) = try runTopLevel(text, path: "packages/test/rows.nfr")
        #expect(host.records.count == 5)
        for (index, row) in host.records.enumerated() {
            #expect(
                row.values == [
                    .int(1_000), .host(ip("10.0.0.1") + UInt32(index)), .int(index * 10), .text("row \(index)"),
                    .network(address: ip("10.0.0.0"), mask: ip("255.0.0.0")),
                ])
            #expect(row.recorder == .handle(NCodeHandle(kind: "recorder", id: 1)))
        }
        #expect(host.diagnostics.map(\.message) == ["record: the target is not a recorder (null)"])
    }
}

/// `tcp.blob` and `udp.blob`: the segment's payload after its header (no stream reassembly).
@Suite("N-Code: transport payloads")
struct PayloadTests {
    @Test("tcp.blob skips the TCP header by its data offset, udp.blob the 8-byte UDP header")
    func payloads() throws {
        let text = """
            filter t tcp ( ) { echo("t:", tcp.blob, ":", strlen(tcp.blob), ":", udp.blob, "\\n"); }
            filter u udp ( ) { echo("u:", udp.blob, ":", tcp.blob, "\\n"); }
            filter i icmp ( ) { echo("i:", tcp.blob, "\\n"); }
            """
        let (program, host) = try runTopLevel(text)
        var segment = TestPacket.tcp("10.0.0.1", 1025, "10.0.0.2", 23, flags: 0x18)
        segment.payload[12] = 0x60
        segment.payload += [1, 2, 3, 4] + Array("ls\n".utf8)
        segment.run(through: program)
        var datagram = TestPacket.udp("10.0.0.1", 53, "10.0.0.2", 53)
        datagram.payload += Array("query".utf8)
        datagram.run(through: program)
        var truncated = TestPacket.tcp("10.0.0.1", 1, "10.0.0.2", 2, flags: 2)
        truncated.payload[12] = 0xF0
        truncated.run(through: program)
        TestPacket.ping("10.0.0.1", "10.0.0.2").run(through: program)
        #expect(host.text == "t:ls\n:3:null\nu:query:null\nt::0:null\ni:null\n")
        #expect(compileError("x = tcp.connSym;")?.code == .unknownField)
        #expect(compileError("declare $buf inside tcp.connSym;") == nil)
    }
}
