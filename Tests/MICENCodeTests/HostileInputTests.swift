// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICENCode
import Testing

/// Hostile or broken N-Code gives errors, never a crash or a hang.
@Suite("N-Code: hostile input", .timeLimit(.minutes(1)))
struct HostileInputTests {
    @Test("deep nesting of parentheses, lists, unary operators and blocks is a compile error")
    func deepNesting() {
        let depth = 50_000
        let cases = [
            "x = " + String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth) + ";",
            "x = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + ";",
            "x = " + String(repeating: "!", count: depth) + "1;",
            String(repeating: "{", count: depth) + String(repeating: "}", count: depth),
            String(repeating: "if (1) ", count: depth) + "x = 1;",
            "x = 1" + String(repeating: " + 1", count: depth) + ";",
            "echo(" + String(repeating: "cat(", count: depth) + String(repeating: ")", count: depth) + ");",
        ]
        for text in cases {
            let error = compileError(text)
            #expect(error?.code == .tooDeep, "\(text.prefix(20))...: \(String(describing: error))")
        }
        #expect(
            compileError("x = " + String(repeating: "(", count: 40) + "1" + String(repeating: ")", count: 40) + ";")
                == nil)
    }

    @Test("literals that do not fit are errors with a position")
    func hugeLiterals() throws {
        #expect(compileError("x = 99999999999999999999999999;")?.description == "t.nfr:1:5: integer literal too large")
        #expect(compileError("x = 0xFFFFFFFFFFFFFFFFFF;")?.code == .badLiteral)
        #expect(compileError("x = 10.0.0.256;")?.description == "t.nfr:1:5: octet 256 above 255")
        #expect(compileError("x = 10.0.0;")?.code == .badLiteral)
        #expect(compileError("x = 10.0.0.1.5;")?.code == .badLiteral)
        #expect(compileError("x = 10.0.0.0:255;")?.code == .badLiteral)
        #expect(compileError("x = 12abc;")?.code == .badLiteral)
        #expect(compileError("x = $0;")?.code == .syntax)
        let long = "x = \"" + String(repeating: "a", count: 1_000_000) + "\"; echo(strlen(x));"
        #expect(try runTopLevel(long).1.text == "1000000")
    }

    @Test("unterminated strings and stray bytes name their line and column")
    func unterminated() {
        #expect(compileError("x = 1;\necho(\"abc);\n")?.description == "t.nfr:2:6: unterminated string")
        #expect(compileError("x = \"abc")?.code == .unterminatedString)
        #expect(compileError("x = 'a")?.code == .unterminatedString)
        #expect(compileError("x = \"a\\")?.code == .unterminatedString)
        #expect(compileError("x = 1; \u{00E9}")?.description == "t.nfr:1:8: unexpected character byte 0xc3")
        #expect(compileError("x = \"\u{00E9}\"; echo(x);") == nil)
        #expect(compileError("") == nil)
        #expect(compileError("\u{FEFF}x = 1;\r\necho(x);\r\n") == nil)
        #expect(
            compileError("\u{FEFF}x = 1 1;")?.description == "t.nfr:1:7: expected ';' after the statement, found '1'")
        #expect(compileError("# only a comment") == nil)
        #expect(compileError("echo(")?.code == .syntax)
        #expect(compileError("filter")?.code == .syntax)
        #expect(compileError("func f")?.code == .syntax)
        #expect(compileError("x[1][2] = 3;")?.code == .syntax)
        #expect(compileError("3 = x;")?.code == .syntax)
    }

    @Test("a runaway while stops at the budget with one diagnostic; the next statement and the next packet run")
    func runawayLoop() throws {
        let text = """
            i = 0;
            while (1) { i = i + 1; }
            echo("after ", i, "\\n");
            filter spin ip ( ) {
                $n = 0;
                while (1) { $n = $n + 1; if ($n > 5 && ip.protocol == 1) break; }
                echo("packet ", $n, "\\n");
            }
            """
        let host = RecordingHost()
        let program = try NCodeProgram(sources: [NCodeSource(path: "spin.nfr", text: text)], host: host)
        program.instructionBudget = 10_000
        program.runTopLevel()
        #expect(host.takeText() == "after 10000\n")
        #expect(host.diagnostics.count == 1)
        #expect(host.diagnostics.first?.origin == NCodeOrigin(path: "spin.nfr", line: 2))
        TestPacket.tcp("1.1.1.1", 1, "2.2.2.2", 2, flags: 2).run(through: program)
        #expect(host.takeText() == "")
        TestPacket.ping("1.1.1.1", "2.2.2.2").run(through: program)
        #expect(host.takeText() == "packet 6\n")
        #expect(host.diagnostics.count == 2)
    }

    @Test("runaway recursion is stopped at the call depth, not the stack")
    func runawayRecursion() throws {
        let text = """
            func down { return down($1 + 1); }
            func loop { while (1) { } }
            echo(down(0), "\\n");
            echo(loop(), "\\n");
            echo("alive\\n");
            """
        let (_, host) = try runTopLevel(text)
        #expect(
            host.text == "error(down: calls nested too deeply (runaway recursion?))\n"
                + "error(instruction budget exceeded)\nalive\n")
        #expect(host.diagnostics.count == 2)
    }

    @Test("operations on the wrong types are error values, not traps")
    func wrongTypes() throws {
        let text = """
            a[1] = 2;
            s = "x";
            echo(1 / 0, 5 % 0, -"x", "a" < 1, s[1], 9223372036854775807 + 1, -9223372036854775807 - 1 / -1, "\\n");
            s[1] = 2;
            a[[1]] = 3;
            echo(substr(s, 5), substr(s, 0, -1), host("1.2.3"), host(16909060), strlen(3), "\\n");
            foreach $x inside (a) echo($x);
            foreach $x inside (null) echo($x);
            """
        let (_, host) = try runTopLevel(text)
        #expect(host.text.hasPrefix("error(division by zero)error(modulo by zero)error(cannot negate a string)"))
        #expect(host.text.contains("-9223372036854775808"))
        #expect(host.text.contains("1.2.3.4"))
        #expect(host.text.hasSuffix("\n1"))
        #expect(host.diagnostics.count >= 8)
    }

    @Test("values built at runtime cannot nest without bound, explode when printed or grow without limit")
    func runtimeBlowUp() throws {
        let text = """
            l = [];
            i = 0;
            while (i < 32) { l = [l]; i = i + 1; }
            echo(l, "\\n");
            d = [1];
            j = 0;
            while (j < 31) { d = [d, d]; j = j + 1; }
            echo(strlen(cat(d)) > 0, " ", 7 inside d, " ", d == d, "\\n");
            s = "x";
            while (1) { s = cat(s, s); if (s == null) break; }
            echo(s, "\\n");
            a[1] = 1;
            k = 0;
            while (k < 100) { a[1] = a; k = k + 1; }
            echo(strlen(cat(a)) > 0, "\\n");
            echo("alive\\n");
            """
        let (_, host) = try runTopLevel(text)
        let lines = host.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 6)
        #expect(lines.first.map(String.init) == "error(lists and arrays nest at most 32 levels deep)")
        #expect(lines.dropFirst(2).first.map(String.init) == "error(cat: the result would exceed 16777216 bytes)")
        #expect(host.text.hasSuffix("alive\n"))
        #expect(host.diagnostics.contains { $0.message.contains("nest at most 32 levels") })
    }
}

/// Recursion through deep expressions is refused by stack use, before the thread's stack runs out.
@Suite("N-Code: stack use", .timeLimit(.minutes(1)))
struct StackUseTests {
    @Test("a recursive func whose return expression is 300 levels deep stops with an error value")
    func deepRecursion() throws {
        let expression = "down($1 + 1)" + String(repeating: " + 1", count: 300)
        let text = "func down { if ($1 > 1000) return 0; return \(expression); }\necho(down(0), \"\\n\");"
        let (_, host) = try runTopLevel(text)
        #expect(host.text == "error(down: calls nested too deeply (runaway recursion?))\n")
        #expect(host.diagnostics.count == 1)
    }
}
