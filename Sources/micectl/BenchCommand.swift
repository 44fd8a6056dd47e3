// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import Logging
import MICECore
import MICEDaemon
import MICEPluginHost
import MICEPluginManifest

/// `micectl bench`: throughput, latency and memory figures, measured on this machine.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the system's throughput on this machine (use a release build).",
        subcommands: [ProtocolBench.self, PipelineBench.self, AnalysisBench.self, NFRBench.self, ReactionsBench.self]
    )

    /// `micectl bench protocol`: calls per second through module processes.
    struct ProtocolBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "protocol",
            abstract: "Calls per second through a Swift and a Python module, MB/s, host memory.",
            discussion: """
                Starts mice-test-plugin (Swift SDK, answers every call at once) for 16-byte calls and \
                1688-byte LogFormat calls, the shipped mice-flt-regex (PCRE2 on every record), and the \
                Python SDK's benchmark module, each through the real plugin host with pipelined, \
                batched calls. Build with `swift build -c release` and run .build/release/micectl.
                """
        )

        @Flag(name: .long, help: "Print one JSON object (the default prints it too, after a table).")
        var json = false

        @Option(name: .long, help: "Seconds per measurement.")
        var seconds = 3.0

        @Option(name: .long, help: "Calls per batch.")
        var batch = 4096

        @Option(name: .long, help: "The plugins directory holding mice-flt-regex.")
        var plugins = "plugins"

        @Option(name: .long, help: "Folder of the Python benchmark module.")
        var pythonPlugin = "Tests/Fixtures/plugins/python-bench"

        @Option(name: .long, help: "Where @bin/ executables are (default: the directory of micectl).")
        var binDir: String?

        func run() async throws {
            var logger = Logger(label: "micectl.bench")
            logger.logLevel = .warning
            let binDirectory = binDir ?? executableDirectory()
            let options = PluginSpawnOptions(binDirectory: binDirectory)
            let configuration = ProtocolBenchmark.Configuration(seconds: seconds, batchSize: batch)
            let swiftModule = PluginManifest(
                name: "mice-test-plugin",
                kind: .filter,
                version: "1.0.0",
                description: "benchmark module (Swift SDK)",
                protocol: ProtocolSettings(maxInFlight: batch),
                exec: ["@bin/mice-test-plugin"],
                directory: FileManager.default.currentDirectoryPath,
                file: "(built in)"
            )
            var python = PluginManifestLoader().load(pluginDirectory: pythonPlugin).manifest
            python?.protocol.maxInFlight = batch
            if python == nil { printError("warning: no Python benchmark module in \(pythonPlugin); skipped") }
            do {
                var result = try await ProtocolBenchmark.run(
                    swiftModule: swiftModule,
                    pythonModule: python,
                    options: options,
                    configuration: configuration,
                    logger: logger
                )
                if var regex = try? PluginDirectory.discover(root: plugins).manifest(named: "mice-flt-regex") {
                    regex.protocol.maxInFlight = batch
                    let regexOptions = PluginSpawnOptions(
                        binDirectory: binDirectory,
                        configuration: ["rules": ["Failed password for .* from", "authentication failure"]]
                    )
                    let measurement = try await ProtocolBenchmark.measure(
                        manifest: regex,
                        recordBytes: 1688,
                        options: regexOptions,
                        configuration: configuration,
                        logger: logger
                    )
                    result.swiftRegexFilterCallsPerSecond = measurement.callsPerSecond.rounded()
                }
                result.hostResidentMegabytes = (ProtocolBenchmark.residentMegabytes() * 10).rounded() / 10
                if !json { printTable(result) }
                print(result.json)
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }

        private func printTable(_ result: ProtocolBenchmark.Result) {
            func row(_ label: String, _ value: Double?, _ target: String) {
                let text = value.map { String(format: "%.0f", $0) } ?? "-"
                print(
                    label.padding(toLength: 44, withPad: " ", startingAt: 0),
                    text.padding(toLength: 12, withPad: " ", startingAt: 0), target)
            }
            row("Swift module, small calls/s", result.swiftSmallCallsPerSecond, "target >= 1000000")
            row("Swift module, 1688-byte LogFormat calls/s", result.swiftLogformatCallsPerSecond, "target >= 300000")
            row("mice-flt-regex (PCRE2), LogFormat calls/s", result.swiftRegexFilterCallsPerSecond, "")
            row("Python module, small calls/s", result.pythonSmallCallsPerSecond, "")
            row("MB/s to the Swift module", result.megabytesPerSecond, "")
            row("host RSS, MiB", result.hostResidentMegabytes, "")
        }
    }
}

/// The directory of the running executable: where `@bin/` programs are by default.
func executableDirectory() -> String { DaemonCommandOptions.executableDirectory() }
