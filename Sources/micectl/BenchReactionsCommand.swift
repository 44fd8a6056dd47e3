// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICEBench
import MICECore

extension BenchCommand {
    /// `micectl bench reactions`: EXEC request to firewall rule in place, through the real daemon.
    struct ReactionsBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reactions",
            abstract: "Requests/s and latency from an EXEC request to its rule in place (dry-run, over mTLS, real).",
            discussion: """
                Starts mice-reactiondaemon with mice-rct-block and sends --requests EXEC requests from \
                --concurrency clients, one connection each (as the countermeasure agent does). The answer \
                comes after the sandboxed module process has put the rule in place. Dry-run: daemon on \
                127.0.0.1, the module only reports. Real: daemon inside a network namespace pair made for \
                the run (root needed), real nftables; the machine's own firewall is not touched. Prints \
                requests_per_s, p50_ms, p99_ms per mode. Use a release build.
                """
        )

        @Flag(name: .long, help: "Print only the JSON object.")
        var json = false

        @Option(name: .long, help: "Requests per mode.")
        var requests = 200

        @Option(name: .long, help: "Clients at once.")
        var concurrency = 4

        @Flag(name: .long, help: "Only the dry-run mode.")
        var dryRunOnly = false

        @Option(name: .long, help: "The plugins directory.")
        var plugins = "plugins"

        @Option(name: .long, help: "Where the daemons and @bin/ plugins are (default: the directory of micectl).")
        var binDir: String?

        func run() throws {
            var configuration = ReactionBenchmark.Configuration(
                binDirectory: binDir ?? executableDirectory(),
                pluginsRoot: URL(fileURLWithPath: plugins).standardizedFileURL.path)
            configuration.requests = max(1, requests)
            configuration.concurrency = max(1, concurrency)
            configuration.real = !dryRunOnly
            let result: JSONValue
            do {
                result = try ReactionBenchmark(configuration: configuration).run()
            } catch {
                FileHandle.standardError.write(Data("micectl bench reactions: \(error)\n".utf8))
                throw ExitCode(1)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let text = String(decoding: try encoder.encode(result), as: UTF8.self)
            if !json, let object = result.objectValue {
                for (mode, figures) in object.sorted(by: { $0.key < $1.key }) {
                    let line = (try? encoder.encode(figures)).map { String(decoding: $0, as: UTF8.self) } ?? ""
                    print("\(mode): \(line)")
                }
            }
            print(text)
        }
    }
}
