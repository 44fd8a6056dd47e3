// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import Testing

@testable import MICEPluginManifest

@Suite("Manifest JSON parser")
struct ManifestJSONParserTests {
    private func parse(_ text: String) throws(ManifestJSONParser.Failure) -> JSONValue {
        var parser = ManifestJSONParser(bytes: Array(text.utf8))
        return try parser.parse()
    }

    /// The message, line and column of the failure for `text`; nil when it parses.
    private func syntaxFailure(_ text: String) -> (message: String, line: Int, column: Int)? {
        var parser = ManifestJSONParser(bytes: Array(text.utf8))
        do throws(ManifestJSONParser.Failure) {
            _ = try parser.parse()
            return nil
        } catch {
            let (line, column) = ManifestJSONParser.lineAndColumn(of: error.offset, in: Array(text.utf8))
            return (error.message, line, column)
        }
    }

    @Test("values of every shape; integers stay integers")
    func shapes() throws {
        let value = try parse(
            #"{"a": [1, -2, 3.5, 1e3, -0, true, false, null], "b": {"c": "d"}, "e": 9223372036854775807}"#)
        #expect(
            value == [
                "a": [.int(1), .int(-2), .double(3.5), .double(1000), .int(0), true, false, nil],
                "b": ["c": "d"], "e": .int(Int64.max),
            ])
        #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try parse("  \"x\"  ") == "x")
    }

    @Test("string escapes, including surrogate pairs, and raw UTF-8")
    func strings() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""\u00e9\u20AC\ud83d\ude00""#) == .string("é€😀"))
        #expect(try parse("\"é€😀\"") == .string("é€😀"))
    }

    @Test("a UTF-8 byte order mark is skipped")
    func byteOrderMark() throws {
        var parser = ManifestJSONParser(bytes: [0xEF, 0xBB, 0xBF] + Array("{}".utf8))
        #expect(try parser.parse() == [:])
    }

    @Test(
        "syntax errors name the place",
        arguments: [
            ("", "the file is empty", 1, 1),
            ("{\"a\": 1,}", "a comma after the last member?", 1, 9),
            ("[1,]", "a comma after the last element?", 1, 4),
            ("{\"a\" 1}", "expected ':'", 1, 6),
            ("{\"a\": 1\n \"b\": 2}", "expected ',' or '}'", 2, 2),
            ("{'a': 1}", "member name in double quotes", 1, 2),
            ("[01]", "must not start with 0", 1, 2),
            ("[1.]", "after the decimal point", 1, 4),
            ("[1e]", "in the exponent", 1, 4),
            ("[-]", "expected a digit", 1, 3),
            ("[tru]", "expected a value", 1, 2),
            ("\"abc", "unterminated string", 1, 1),
            ("\"a\tb\"", "control character", 1, 3),
            ("\"\\x\"", "invalid escape \\x", 1, 2),
            ("\"\\u12\"", "4 hexadecimal digits", 1, 6),
            ("\"\\ud800\"", "unpaired surrogate", 1, 2),
            ("\"\\udc00\"", "unpaired surrogate", 1, 2),
            ("{} {}", "after the end of the JSON value", 1, 4),
            ("[1e999]", "out of range", 1, 2),
            ("{\n  \"é\": x}", "expected a value", 2, 8),
        ] as [(String, String, Int, Int)])
    func syntaxError(_ text: String, _ fragment: String, _ line: Int, _ column: Int) throws {
        let failure = try #require(syntaxFailure(text))
        #expect(failure.message.contains(fragment), "\(failure.message)")
        #expect(failure.line == line)
        #expect(failure.column == column)
    }

    @Test("invalid UTF-8 in a string is an error")
    func invalidUTF8() {
        var parser = ManifestJSONParser(bytes: [0x22, 0xC3, 0x28, 0x22])
        #expect(throws: ManifestJSONParser.Failure.self) { try parser.parse() }
    }

    @Test("nesting is bounded")
    func depth() throws {
        let limit = ManifestJSONParser.maximumDepth
        _ = try parse(String(repeating: "[", count: limit) + String(repeating: "]", count: limit))
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(syntaxFailure(tooDeep)?.message.contains("nested deeper") == true)
        let huge = String(repeating: "[", count: 100_000)
        #expect(syntaxFailure(huge) != nil)
    }

    @Test("duplicate keys are recorded with their path and place")
    func duplicateKeys() throws {
        let text = "{\"a\": {\"b\": 1, \"b\": 2}, \"l\": [{\"x\": 1, \"x\": 1}], \"a\": 3}"
        var parser = ManifestJSONParser(bytes: Array(text.utf8))
        _ = try parser.parse()
        #expect(parser.duplicateKeys.map(\.path) == ["a.b", "l[0].x", "a"])
        #expect(parser.duplicateKeys.first?.offset == 15)
    }

    @Test("key paths quote names that are not identifiers")
    func keyPaths() {
        #expect(ManifestKeyPath.member("startSeconds", of: "timeouts") == "timeouts.startSeconds")
        #expect(ManifestKeyPath.member("name", of: "") == "name")
        #expect(ManifestKeyPath.member("log file", of: "options") == "options[\"log file\"]")
        #expect(ManifestKeyPath.member("a\"b", of: "") == "[\"a\\\"b\"]")
        #expect(ManifestKeyPath.member("9lives", of: "options") == "options[\"9lives\"]")
        #expect(ManifestKeyPath.element(0, of: "exec") == "exec[0]")
        #expect(ManifestKeyPath.join([.key("a"), .index(2), .key("b")]) == "a[2].b")
    }
}
