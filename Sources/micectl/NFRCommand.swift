// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICENCode

/// `micectl nfr`: the NFR backend engine's N-Code packages.
struct NFRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nfr",
        abstract: "NFR backends: check and run N-Code.",
        subcommands: [
            Test.self, NFRRunCommand.self, NFRQueryCommand.self, NFRAlertsCommand.self, NFRCaptureCommand.self,
        ]
    )

    /// `micectl nfr test FILE.nfr [FILE...]`: what NFR's bin/test-nfrd did.
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Check N-Code syntax and run the code that needs no packet (as NFR's bin/test-nfrd).",
            discussion: """
                The files share one global namespace and run in the order given (a package's .nfr first). \
                echo prints to standard output; recorder, record, alertContext and alert print a one-line \
                note to standard error instead of acting. A syntax error prints FILE:LINE:COLUMN: message \
                and exits 1; runtime errors are reported once per call site and do not change the exit status.
                """
        )

        @Argument(help: "The .nfr files, in load order.")
        var files: [String]

        @Option(name: .long, help: "The value of system.time (seconds since the epoch); the wall clock by default.")
        var time: Int?

        func run() throws {
            var sources: [NCodeSource] = []
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("\(file): cannot read the file\n".utf8))
                    throw ExitCode(1)
                }
                sources.append(NCodeSource(path: file, text: String(decoding: data, as: UTF8.self)))
            }
            let host = TestModeHost()
            let program: NCodeProgram
            do {
                program = try NCodeProgram(sources: sources, host: host)
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
            if let time { program.time = time }
            program.runTopLevel()
        }
    }
}

/// The host of `micectl nfr test`: echo to standard output, notes instead of recorders and alerts.
final class TestModeHost: NCodeHost {
    private var handles = 0

    private func note(_ text: String, _ origin: NCodeOrigin) {
        FileHandle.standardError.write(Data("\(origin): \(text)\n".utf8))
    }

    private func nextHandle(_ kind: String) -> NCodeValue {
        handles += 1
        return .handle(NCodeHandle(kind: kind, id: handles))
    }

    func echo(_ text: [UInt8]) { FileHandle.standardOutput.write(Data(text)) }

    func makeRecorder(spec: String, schemaName: String, schema: NCodeValue, origin: NCodeOrigin) throws -> NCodeValue {
        note("recorder \"\(spec)\" with schema \(schemaName) = \(schema.printed) (test mode: not created)", origin)
        return nextHandle("recorder")
    }

    func record(_ values: [NCodeValue], to recorder: NCodeValue, origin: NCodeOrigin) {
        note("record \(values.map(\.printed).joined(separator: ", ")) to \(recorder.printed) (test mode)", origin)
    }

    func makeAlertContext(seconds: Int, origin: NCodeOrigin) -> NCodeValue {
        note("alertContext(\(seconds)) (test mode)", origin)
        return nextHandle("alertContext")
    }

    func alert(source: String, alert: String, context: NCodeValue, arguments: [NCodeValue], origin: NCodeOrigin) {
        note(
            "alert \(source) \(alert) \(context.printed): \(arguments.map(\.printed).joined(separator: ", ")) (test mode)",
            origin)
    }

    func diagnostic(_ message: String, origin: NCodeOrigin) { note("error: \(message)", origin) }
}
