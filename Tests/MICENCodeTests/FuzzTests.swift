// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICENCode
import MICETestSupport
import Testing

/// Random and mutated N-Code: compile errors carry a position inside the text, and whatever
/// compiles runs (top level and a filter on a packet) without trapping.
@Suite("N-Code: fuzzing", .timeLimit(.minutes(2)))
struct FuzzTests {
    static let alphabet: [UInt8] = Array(
        "ab$1#()[]{};:,.!=<>&|^+-*/% \n\t\"'\\0x255_".utf8)
    static let words = [
        "if", "else", "while", "foreach", "inside", "break", "return", "record", "to", "filter", "func", "ip",
        "tcp", "echo", "cat", "byte", "short", "substr", "strlen", "host", "null", "ip.src", "ip.blob", "$1", "$#",
        "$x", "x", "10.0.0.1", "10.0.0.0:255.0.0.0", "0x10", "\"s\"", "[", "]", "(", ")", "{", "}", ";", ",", "=",
        "==", "||", "&&", "!", "+", "x[1]",
    ]

    /// Compiles `text`; on an error, checks its position; on success, runs it with a small budget.
    func exercise(_ text: String) {
        let host = RecordingHost()
        do {
            let program = try NCodeProgram(sources: [NCodeSource(path: "fuzz.nfr", text: text)], host: host)
            program.instructionBudget = 2_000
            program.time = 1
            program.runTopLevel()
            TestPacket.tcp("10.0.0.1", 1, "10.0.2.255", 23, flags: 2).run(through: program)
        } catch {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(error.line >= 1 && error.line <= lines.count, "\(error) in \(text.debugDescription)")
            #expect(error.column >= 1 && error.column <= lines[max(0, min(error.line, lines.count) - 1)].utf8.count + 1)
            #expect(error.path == "fuzz.nfr")
        }
    }

    @Test("random bytes from N-Code's alphabet")
    func randomBytes() {
        var random = SplitMix64(seed: 0x6E63_6F64_65)
        for _ in 0..<3_000 {
            let count = Int.random(in: 0...120, using: &random)
            let bytes = (0..<count).map { _ in Self.alphabet.randomElement(using: &random)! }
            exercise(String(decoding: bytes, as: UTF8.self))
        }
    }

    @Test("random token sequences")
    func randomTokens() {
        var random = SplitMix64(seed: 0x746F_6B65_6E73)
        for _ in 0..<3_000 {
            let count = Int.random(in: 1...40, using: &random)
            exercise((0..<count).map { _ in Self.words.randomElement(using: &random)! }.joined(separator: " "))
        }
    }

    @Test("the seed's final stage with random bytes deleted, inserted or replaced")
    func mutatedSeed() {
        var random = SplitMix64(seed: 0x7365_6564)
        let original = Array(SeedStages.alerted.utf8)
        for _ in 0..<1_500 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(Self.alphabet.randomElement(using: &random)!, at: at)
                default: bytes[at] = Self.alphabet.randomElement(using: &random)!
                }
            }
            exercise(String(decoding: bytes, as: UTF8.self))
        }
    }
}
