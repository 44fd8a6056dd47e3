// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginKit
import MICEReactionKit

#if canImport(Glibc)
import Glibc
#endif

/// Runs one declared program: `program` (absolute; it must also be listed in the manifest's
/// `sandbox.programs`, which the sandbox enforces) with `fixedArguments` followed by the
/// request's tokens, which the daemon has already checked against `arguments` (plain tokens).
/// No shell is involved at any point. Dry-run only reports the argv.
@main
struct RunReaction: PluginModule {
    static let pluginName = "mice-rct-run"

    let dryRun: Bool
    let program: String
    let fixedArguments: [String]

    init(context: PluginContext) throws {
        dryRun = try context.bool("dryRun", default: false)
        guard let program = try context.string("program"), program.hasPrefix("/") else {
            throw PluginConfigError(key: "program", "an absolute program path is required")
        }
        self.program = program
        fixedArguments = try context.strings("fixedArguments")
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        let argv = fixedArguments + ReactionReport.tokens(input.data)
        let shown = ([program] + argv).joined(separator: " ")
        if dryRun {
            reply += ReactionReport(key: nil, summary: "dry-run: would run \(shown)", dryRun: true).encoded
            return 0
        }
        let result = ProgramRunner.run(program, argv)
        let summary = "ran \(shown): exit \(result.status)"
        if !result.output.isEmpty { PluginLog.info("\(program): \(result.output.prefix(1000))") }
        reply += ReactionReport(key: nil, summary: summary, dryRun: false).encoded
        return result.succeeded ? 0 : 1
    }
}
