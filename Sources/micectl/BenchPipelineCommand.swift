// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICEBench

extension BenchCommand {
    /// `micectl bench pipeline`: log lines to committed SQLite rows through the real daemons.
    struct PipelineBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pipeline",
            abstract: "Lines/s and append-to-commit latency from a log file to SQLite rows, through the daemons.",
            discussion: """
                Starts mice-bufferdaemon (mice-dec-logformat, mice-pop-rawlog into SQLite) and \
                mice-dataforwarder (mice-fmt-simple, acked link on 127.0.0.1), appends lines to a \
                log file and polls the database until they are committed rows. Throughput phase: \
                --lines at once; latency phase: --rate lines/s for --seconds. Prints lines_per_s, \
                p50/p99_latency_ms, lost, and the peak RSS of each daemon (VmHWM). Use a release build.
                """
        )

        @Flag(name: .long, help: "Print only the JSON object.")
        var json = false

        @Option(name: .long, help: "Lines appended at once in the throughput phase.")
        var lines = 500_000

        @Option(name: .long, help: "Lines per second in the latency phase.")
        var rate = 50_000

        @Option(name: .long, help: "Seconds of the latency phase.")
        var seconds = 5.0

        @Option(name: .long, help: "Bytes per line, newline included.")
        var lineBytes = 120

        @Option(name: .long, help: "SQLite synchronous mode of the store: full or normal.")
        var synchronous = "full"

        @Option(name: .long, help: "The plugins directory.")
        var plugins = "plugins"

        @Option(name: .long, help: "Where the daemons and @bin/ plugins are (default: the directory of micectl).")
        var binDir: String?

        @Flag(name: .long, help: "Keep the work folder (configs, daemon logs, database).")
        var keep = false

        @Flag(name: .long, help: "Run the link inside mutual TLS (a PKI is made in the work folder).")
        var tls = false

        func run() throws {
            var configuration = PipelineBenchmark.Configuration(
                binDirectory: binDir ?? executableDirectory(),
                pluginsRoot: URL(fileURLWithPath: plugins).standardizedFileURL.path)
            configuration.lines = lines
            configuration.pacedRate = rate
            configuration.pacedSeconds = seconds
            configuration.lineBytes = lineBytes
            configuration.synchronous = synchronous
            configuration.keepWorkDirectory = keep
            configuration.tls = tls
            do {
                let result = try PipelineBenchmark.run(configuration) { line in
                    if !json { printError(line) }
                }
                if !json {
                    print("lines/s \(Int(result.linesPerSecond)) (target >= 100000)")
                    print(
                        "latency at \(result.pacedRate) lines/s: p50 \(result.p50LatencyMilliseconds) ms, p99 \(result.p99LatencyMilliseconds) ms"
                    )
                    print("lost \(result.lost) of \(result.lines) (target 0)")
                    print(
                        "RSS MiB: forwarder \(result.forwarderResidentMegabytes), bufferdaemon \(result.bufferDaemonResidentMegabytes) (target < 100 each)"
                    )
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
