// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICEPseudonym

extension PseudonymKind: ExpressibleByArgument {}

/// `micectl pseudo`: keys and pseudonyms of the keyed pseudonymizer (mice-psd-keyed).
struct PseudoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pseudo",
        abstract: "Make keys, reveal and make pseudonyms of the keyed pseudonymizer (mice-psd-keyed).",
        subcommands: [Keygen.self, Reveal.self, Make.self, Apply.self]
    )

    /// The master key, from the command line or a file.
    struct KeyOptions: ParsableArguments {
        @Option(name: .long, help: "The master key, base64 (visible in ps; prefer --key-file).")
        var key: String?

        @Option(name: .long, help: "A file holding the base64 master key.")
        var keyFile: String?

        func validate() throws {
            if key == nil && keyFile == nil { throw ValidationError("give --key or --key-file") }
            if key != nil && keyFile != nil { throw ValidationError("give either --key or --key-file, not both") }
        }

        func load() throws -> PseudonymKey {
            do {
                if let key { return try PseudonymKey(base64: key) }
                return try PseudonymKey(contentsOfFile: keyFile ?? "")
            } catch {
                throw ValidationError(error.message)
            }
        }
    }

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new random master key (base64) for mice-psd-keyed's key or keyFile.")

        @Option(name: .long, help: "Key size in bytes (at least 16).")
        var bytes = PseudonymKey.defaultByteCount

        func validate() throws {
            if bytes < PseudonymKey.minimumByteCount || bytes > 1024 {
                throw ValidationError("--bytes must be between \(PseudonymKey.minimumByteCount) and 1024")
            }
        }

        func run() throws {
            print(PseudonymKey.generate(byteCount: bytes).base64)
        }
    }

    struct Reveal: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the identifier behind each pseudonym.",
            discussion: """
                Pseudonyms come from the arguments, or one per line from standard input. With --line, \
                each argument or input line is a whole log line, printed with every pseudonym in it \
                revealed. A pseudonym made with another key (or altered) does not authenticate: it is \
                reported on standard error and the exit status is 1.
                """
        )

        @OptionGroup var keyOptions: KeyOptions

        @Flag(name: .long, help: "Arguments or input lines are whole log lines.")
        var line = false

        @Flag(name: .long, help: "Arguments are numeric UID/EUID fields of 0.2 scslog records (not authenticated).")
        var uidField = false

        @Flag(name: .long, help: "Print the kind before each identifier (kind TAB identifier).")
        var showKind = false

        @Argument(help: "Pseudonyms (or lines with --line); standard input when none.")
        var values: [String] = []

        func validate() throws {
            if line && uidField { throw ValidationError("--line and --uid-field exclude each other") }
        }

        func run() throws {
            let key = try keyOptions.load()
            var failed = false
            if uidField {
                let permutation = UIDPermutation(key: key)
                for value in try inputs() {
                    guard let number = UInt32(value.trimmingCharacters(in: .whitespaces)),
                        let uid = permutation.reveal(number)
                    else {
                        printError("error: \"\(value)\" is not a pseudonymized uid field (2147483648 to 4294967295)")
                        failed = true
                        continue
                    }
                    print(showKind ? "uid\t\(uid)" : "\(uid)")
                }
            } else if line {
                let revealer = PseudonymRevealer(cipher: PseudonymCipher(key: key))
                for text in try inputs() {
                    let result = revealer.revealLine(Array(text.utf8))
                    print(String(decoding: result.line, as: UTF8.self))
                    for word in result.refused {
                        printError(
                            "error: \"\(word)\" does not authenticate under this key (made with another key, or altered)"
                        )
                        failed = true
                    }
                }
            } else {
                let cipher = PseudonymCipher(key: key)
                for pseudonym in try inputs() {
                    let text = pseudonym.trimmingCharacters(in: .whitespaces)
                    guard !text.isEmpty else { continue }
                    do {
                        let revealed = try cipher.reveal(Array(text.utf8))
                        print(showKind ? "\(revealed.kind.rawValue)\t\(revealed.string)" : revealed.string)
                    } catch {
                        printError("error: \(error.message)")
                        failed = true
                    }
                }
            }
            if failed { throw ExitCode.failure }
        }

        private func inputs() throws -> [String] {
            values.isEmpty ? readStandardInputLines() : values
        }
    }

    struct Make: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the pseudonym of each identifier (to search pseudonymized logs for one).")

        @OptionGroup var keyOptions: KeyOptions

        @Option(name: .long, help: "The identifiers' kind: user, uid, ip, host or mac.")
        var kind: PseudonymKind

        @Flag(name: .long, help: "Print the pseudonym of numeric UID/EUID fields (0.2 scslog records) instead.")
        var uidField = false

        @Argument(help: "Identifiers; standard input (one per line) when none.")
        var values: [String] = []

        func run() throws {
            let key = try keyOptions.load()
            let cipher = PseudonymCipher(key: key)
            let permutation = UIDPermutation(key: key)
            var failed = false
            for value in values.isEmpty ? readStandardInputLines() : values {
                if uidField {
                    guard let uid = UInt32(value) else {
                        printError("error: \"\(value)\" is not a uid")
                        failed = true
                        continue
                    }
                    print(permutation.pseudonymize(uid))
                    continue
                }
                do {
                    print(try cipher.pseudonym(for: value, kind: kind))
                } catch {
                    printError("error: \(error.message)")
                    failed = true
                }
            }
            if failed { throw ExitCode.failure }
        }
    }

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pseudonymize log lines from standard input with the built-in patterns, as mice-psd-keyed does.")

        @OptionGroup var keyOptions: KeyOptions

        @Option(name: .long, help: "Uids below this stay in clear.")
        var minUid: UInt64 = 0

        func run() throws {
            var lines = LinePseudonymizer(
                cipher: PseudonymCipher(key: try keyOptions.load()), minimumUID: minUid)
            var output = Data()
            for line in readStandardInputLineBytes() {
                output.append(contentsOf: lines.pseudonymize(line)?.line ?? line)
                output.append(0x0A)
                if output.count >= 65536 {
                    FileHandle.standardOutput.write(output)
                    output.removeAll(keepingCapacity: true)
                }
            }
            FileHandle.standardOutput.write(output)
        }
    }
}

/// Standard input split into lines (without the newline; a final line without one counts).
func readStandardInputLineBytes() -> [[UInt8]] {
    let data = FileHandle.standardInput.readDataToEndOfFile()
    var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
    if lines.last?.isEmpty == true { lines.removeLast() }
    return lines.map { $0.last == 0x0D ? Array($0.dropLast()) : $0 }
}

/// Standard input lines as text.
func readStandardInputLines() -> [String] {
    readStandardInputLineBytes().map { String(decoding: $0, as: UTF8.self) }
}
