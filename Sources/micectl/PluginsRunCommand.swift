// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import Logging
import MICECore
import MICEPluginHost
import MICEPluginManifest
import MICERecords
import MICEWire

/// `micectl plugins run NAME`: starts one module by hand with the real handshake and feeds it
/// the calls in a file, as telegraf's shim README recommends for trying a plugin out.
struct PluginsRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Start one plugin and feed it calls from a file.",
        discussion: """
            The input is split into calls by the plugin's kind: lines for format and reaction modules; \
            LogFormat records of the layout for filter, pseudonymizer and postprocessing modules; \
            records of the size the module announced in READY (its init value) for decoding modules. \
            Each result is printed as one JSON line, or written as binary records with --output.
            """
    )

    @Argument(help: "The plugin's name.")
    var name: String

    @OptionGroup var root: PluginsRootArgument

    @Option(name: .long, help: "JSON object overlaid on the plugin's option defaults.")
    var config: String = "{}"

    @Option(name: .long, help: "LogFormat layout on this link: seed (1688 bytes) or 0.2 (6608 bytes).")
    var layout: LogFormatLayout = .seed

    @Option(name: .long, help: "fileType argument of format, filter and pseudonymizer calls (1 = file).")
    var fileType: UInt32 = LogFormat.FTF_FILE

    @Option(name: .long, help: "Input file, or - for standard input.")
    var input: String = "-"

    @Option(name: .long, help: "Write the REPLY data of accepted calls back to back to this file.")
    var output: String?

    @Flag(name: .long, help: "Print only a summary of the return values.")
    var summary = false

    @Option(name: .long, help: "Calls per batch.")
    var batch = 256

    @Option(name: .long, help: "Where @bin/ executables are (default: the directory of micectl).")
    var binDir: String?

    func run() async throws {
        let logger = Logger(label: "micectl.plugins.run")
        let directory = try root.discover()
        guard let manifest = directory.manifest(named: name) else {
            printError("error: no valid plugin named \"\(name)\" under \(directory.root)")
            for error in directory.errors { printError("  \(error)") }
            throw ExitCode.failure
        }
        let values = try parseConfig()
        for problem in manifest.configurationProblems(values) { printError("warning: --config: \(problem)") }
        let inputBytes = try readInput()
        let options = PluginSpawnOptions(
            binDirectory: binDir ?? executableDirectory(),
            configuration: values,
            layout: layout.rawValue
        )
        let connection: PluginConnection
        do {
            connection = try await PluginConnection.launch(manifest: manifest, options: options, logger: logger)
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
        let calls = split(
            inputBytes, kind: manifest.kind, initValue: connection.initValue, lines: manifest.protocol.mode == .lines)
        var tally = CallTally()
        var outputData: [UInt8] = []
        do {
            var start = 0
            while start < calls.count {
                let chunk = Array(calls[start..<min(start + max(batch, 1), calls.count)])
                let results = try await connection.callResults(batch: chunk)
                for (offset, result) in results.enumerated() {
                    let index = start + offset + 1
                    tally.count(result)
                    if case .success(let reply) = result, reply.returnValue == 0 || manifest.kind == .format {
                        if output != nil, !reply.data.isEmpty { outputData.append(contentsOf: reply.data) }
                    }
                    if !summary, output == nil { print(describe(result, call: index, kind: manifest.kind)) }
                }
                start += chunk.count
            }
        } catch {
            printError("error: \(error)")
            _ = await connection.shutdown(reason: "micectl stopping after an error")
            throw ExitCode.failure
        }
        let status = await connection.shutdown(reason: "input done")
        // The module's last log lines are still on their way through the stderr relay.
        _ = await connection.process.stderr.waitForEnd(timeout: 5)
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(outputData)) else {
                printError("error: cannot write \(output)")
                throw ExitCode.failure
            }
        }
        if summary || output != nil {
            print(tally.summary(name: manifest.name, exit: status))
        }
    }

    private func parseConfig() throws -> [String: JSONValue] {
        do {
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(config.utf8))
            guard let object = value.objectValue else { throw ValidationError("--config must be a JSON object") }
            return object
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("--config is not valid JSON: \(error)")
        }
    }

    private func readInput() throws -> [UInt8] {
        let handle: FileHandle
        if input == "-" {
            handle = .standardInput
        } else {
            guard let file = FileHandle(forReadingAtPath: input) else {
                printError("error: cannot open \(input)")
                throw ExitCode.failure
            }
            handle = file
        }
        return Array(handle.readDataToEndOfFile())
    }

    /// Splits the input into the data argument of each call.
    private func split(_ bytes: [UInt8], kind: PluginKind, initValue: Int64, lines: Bool) -> [ModuleCall] {
        let recordSize: Int?
        switch kind {
        case .format, .reaction: recordSize = nil
        case .decoding: recordSize = Int(initValue)
        case .postprocessing: recordSize = initValue > 0 ? Int(initValue) : layout.size
        case .filter, .pseudonymizer, .agent: recordSize = layout.size
        }
        guard let size = recordSize, size > 0 else {
            return bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated().compactMap {
                index, line in
                // The newline after the last line does not start another call.
                if line.isEmpty, index == bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count - 1 {
                    return nil
                }
                // A CRLF line ending is one line ending, not a CR in the data.
                return ModuleCall(fileType: fileType, data: Array(line.last == 0x0D ? line.dropLast() : line))
            }
        }
        if bytes.count % size != 0 {
            printError(
                "warning: input has \(bytes.count % size) trailing bytes after \(bytes.count / size) records of \(size) bytes; ignored"
            )
        }
        return stride(from: 0, to: bytes.count - bytes.count % size, by: size).map {
            ModuleCall(fileType: fileType, data: Array(bytes[$0..<($0 + size)]))
        }
    }

    private func describe(_ result: Result<ModuleReply, PluginError>, call: Int, kind: PluginKind) -> String {
        var object: [String: JSONValue] = ["call": .int(Int64(call))]
        switch result {
        case .failure(let error):
            object["error"] = .string("\(error)")
        case .success(let reply):
            object["returnValue"] = .int(Int64(reply.returnValue))
            if kind == .filter { object["verdict"] = .string(reply.returnValue == 1 ? "drop" : "keep") }
            if !reply.data.isEmpty {
                object["dataBytes"] = .int(Int64(reply.data.count))
                if reply.data.count == layout.size,
                    let json = try? RecordKind.logFormat(layout).jsonObject(decoding: reply.data)
                {
                    object["record"] = json
                } else {
                    let text = reply.data.prefix { $0 != 0 }
                    object["text"] = .string(String(decoding: text, as: UTF8.self))
                }
            }
        }
        return JSONValue.object(object).compactJSON
    }
}

/// Counts of return values and errors of a run.
private struct CallTally {
    var calls = 0
    var returnValues: [Int32: Int] = [:]
    var errors = 0

    mutating func count(_ result: Result<ModuleReply, PluginError>) {
        calls += 1
        switch result {
        case .success(let reply): returnValues[reply.returnValue, default: 0] += 1
        case .failure: errors += 1
        }
    }

    func summary(name: String, exit: ExitStatus) -> String {
        let values = returnValues.keys.sorted().map { "return \($0): \(returnValues[$0]!)" }.joined(separator: ", ")
        return "\(name): \(calls) calls; \(values.isEmpty ? "no replies" : values); \(errors) errors; module \(exit)"
    }
}

extension JSONValue {
    /// Compact JSON text with sorted keys.
    var compactJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
