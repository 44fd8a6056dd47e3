// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEConfig
import Testing

@Suite struct ConfigDocumentTests {
    @Test func sectionsKeysValuesAndComments() throws {
        let text = """
            # leading comment

            [Main]   # trailing comment
            name = plain
            Quoted = "two words # not a comment"   # a comment
            single='it'
            \tTabbed\t=\tvalue#comment
            empty = ""
            [other]
            PORT=1
            """
        let document = try ConfigDocument.parse(text, file: "t.conf")
        #expect(document.sections.map(\.name) == ["Main", "other"])
        #expect(document.sections.map(\.canonicalName) == ["MAIN", "OTHER"])
        #expect(document.sections[0].line == 3)
        let entries = document.sections[0].entries
        #expect(entries.map(\.key) == ["name", "Quoted", "single", "Tabbed", "empty"])
        #expect(entries.map { $0.values.first?.text } == ["plain", "two words # not a comment", "it", "value", ""])
        #expect(entries.map(\.line) == [4, 5, 6, 7, 8])
        #expect(entries[1].values[0].wasQuoted)
        #expect(document.sections[1].entries[0].values[0].text == "1")
    }

    @Test func singleQuotesEndAtTheFirstQuoteAndTextAfterIsAnError() throws {
        // 'it''s' is the value "it" followed by the text 's' — no escapes, as in parsecfg.
        let error = configError { _ = try ConfigDocument.parse("[A]\nK = 'it''s'\n", file: "q.conf") }
        #expect(error?.code == .syntax)
        #expect(error?.line == 2)
        #expect(error?.key == "K")
    }

    @Test func multiLineListsAndCRLF() throws {
        let text =
            "[A]\r\nLIST = {\r\n  one\r\n  \"two words\"  # c\r\n\r\n  # only a comment\r\n  three\r\n}\r\nK = v\r\n"
        let document = try ConfigDocument.parse(text, file: "l.conf")
        let list = document.sections[0].entries[0]
        #expect(list.isList)
        #expect(list.values.map(\.text) == ["one", "two words", "three"])
        #expect(list.values.map(\.line) == [3, 4, 7])
        #expect(document.sections[0].entries[1].values[0].text == "v")
    }

    @Test func emptyList() throws {
        let document = try ConfigDocument.parse("[A]\nL = {\n}\n", file: "e.conf")
        #expect(document.sections[0].entries[0].values.isEmpty)
    }

    @Test(arguments: [
        ("K = v\n[A]\n", ConfigError.Code.keyOutsideSection, 1),
        ("[A]\n[B]\n[a]\n", .duplicateSection, 3),
        ("[A]\nK = \"open\n", .unterminatedQuote, 2),
        ("[A]\nK = v w\n", .syntax, 2),
        ("[A]\nK v\n", .syntax, 2),
        ("[A]\nK =\n", .syntax, 2),
        ("[A]\nK = # nothing\n", .syntax, 2),
        ("[A]\n= v\n", .syntax, 2),
        ("[A\n", .syntax, 1),
        ("[ ]\n", .syntax, 1),
        ("[A] x\n", .syntax, 1),
        ("[A]\nK! = v\n", .syntax, 2),
        ("[A]\n\nL = {\n a\n", .unterminatedList, 3),
        ("[A]\nL = { a\n}\n", .syntax, 2),
        ("[A]\nL = {\n a\n} x\n", .syntax, 4),
        ("[A]\nK = \"v\" x\n", .syntax, 2),
    ])
    func syntaxErrorsNameTheLine(text: String, code: ConfigError.Code, line: Int) {
        let error = configError { _ = try ConfigDocument.parse(text, file: "bad.conf") }
        #expect(error?.code == code)
        #expect(error?.line == line)
        #expect(error?.file == "bad.conf")
        #expect(error?.description.hasPrefix("bad.conf:\(line):") == true)
    }

    @Test func duplicateSectionNamesTheFirstLine() {
        let error = configError { _ = try ConfigDocument.parse("[MISC]\nA = 1\n[misc]\n", file: "d.conf") }
        #expect(error?.detail.contains("line 1") == true)
        #expect(error?.section == "misc")
    }

    @Test func invalidUTF8IsAnErrorNamingTheLine() {
        let bytes = Array("[A]\nK = ".utf8) + [0xFF, 0xFE] + Array("\n".utf8)
        let error = configError { _ = try ConfigDocument.parse(bytes, file: "u.conf") }
        #expect(error?.code == .invalidEncoding)
        #expect(error?.line == 2)
    }

    @Test func unreadableFile() {
        let error = configError { _ = try ConfigDocument.load(path: "/nonexistent/mice.conf") }
        #expect(error?.code == .unreadable)
        #expect(error?.description.hasPrefix("/nonexistent/mice.conf:") == true)
        let directory = configError { _ = try ConfigDocument.load(path: "/tmp") }
        #expect(directory?.code == .unreadable)
    }
}
