// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser

@main
struct Micectl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "micectl",
        abstract: "M-ICE operator tool: records, plugins, benchmarks, pseudonyms, the raw-log database, the PKI.",
        subcommands: [
            RecordsCommand.self, PluginsCommand.self, BenchCommand.self, PseudoCommand.self, LogsCommand.self,
            AnalyzeCommand.self, AlertsCommand.self, NFRCommand.self, ReactionsCommand.self, PKICommand.self,
        ]
    )
}
