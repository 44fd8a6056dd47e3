// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICECrypto
import MICERecords

extension RecordStreamType: ExpressibleByArgument {}
extension LogFormatLayout: ExpressibleByArgument {}
extension ReactionArchitecture: ExpressibleByArgument {}

/// `micectl records`: inspect and build files of the original binary records.
struct RecordsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "records",
        abstract: "Convert files of original M-ICE binary records to JSON lines and back.",
        subcommands: [Decode.self, Encode.self]
    )

    /// Options shared by both directions.
    struct RecordOptions: ParsableArguments {
        @Option(name: .long, help: "Record type of the binary stream.")
        var type: RecordStreamType = .cipher

        @Option(name: .long, help: "LogFormat layout: seed (1688 bytes) or 0.2 (6608 bytes).")
        var layout: LogFormatLayout = .seed

        @Option(name: .long, help: "stReactionMsg variant (reaction types only).")
        var arch: ReactionArchitecture = .x86_64

        @Option(name: .long, help: "Twofish password for cipher types (weak legacy mode; visible in ps).")
        var key: String?

        @Option(name: .long, help: "Read the Twofish password from the first line of this file.")
        var keyFile: String?

        func validate() throws {
            if key != nil && keyFile != nil {
                throw ValidationError("give either --key or --key-file, not both")
            }
            if (key != nil || keyFile != nil) && !type.isEnveloped {
                throw ValidationError("--key applies only to cipher, cipher-idmef and cipher-reaction")
            }
            if let key {
                do {
                    _ = try LegacyTwofish(password: key)
                } catch {
                    throw ValidationError("\(error)")
                }
            }
        }

        func makeTranscoder(keepChecksum: Bool = false, keepIV: Bool = false) throws -> RecordTranscoder {
            var password = key
            if let keyFile {
                let text = try String(contentsOfFile: keyFile, encoding: .utf8)
                password = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            }
            let cipher = try password.map { try LegacyTwofish(password: $0) }
            return RecordTranscoder(
                streamType: type, layout: layout, architecture: arch, cipher: cipher, keepChecksum: keepChecksum,
                keepIV: keepIV)
        }
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print each record of a file of back-to-back records as one JSON object per line.")

        @OptionGroup var options: RecordOptions

        @Argument(help: "The binary file, or - for standard input.")
        var file: String

        func run() throws {
            let transcoder = try options.makeTranscoder()
            let input = try openInput(file)
            try transcoder.decode(from: input, to: FileHandle.standardOutput)
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read JSON lines (as decode prints them) and write the binary records.")

        @OptionGroup var options: RecordOptions

        @Flag(name: .long, help: "Store a checksum given in the JSON instead of computing one.")
        var keepChecksum = false

        @Flag(name: .long, help: "With a key, reuse the JSON's IV instead of a fresh random one.")
        var keepIV = false

        @Option(name: .shortAndLong, help: "Write the records to this file instead of standard output.")
        var output: String?

        @Argument(help: "The JSON-lines file, or - for standard input (the default).")
        var file: String = "-"

        func run() throws {
            let transcoder = try options.makeTranscoder(keepChecksum: keepChecksum, keepIV: keepIV)
            let input = try openInput(file)
            let sink: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil) else {
                    throw ValidationError("cannot create \(output)")
                }
                sink = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            } else {
                sink = FileHandle.standardOutput
            }
            defer { try? sink.close() }
            try transcoder.encode(from: input, to: sink)
        }
    }
}

private func openInput(_ path: String) throws -> FileHandle {
    if path == "-" { return FileHandle.standardInput }
    do {
        return try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    } catch {
        throw ValidationError("cannot open \(path): \(error.localizedDescription)")
    }
}
