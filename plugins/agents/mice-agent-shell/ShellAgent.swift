// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICEPluginKit
import MICERecords

/// The script wrapper agent: reaction agents must speak the frame protocol (lines mode does not
/// exist for agents), which a shell script cannot do well, so this agent does the handshake and
/// reads the FIFO, and runs a program once per alert: exec of its path (never a shell string) with
/// the checked alert fields as arguments (``AlertScriptArguments``) and the IDMEF message on
/// standard input; its standard output and error go to the agent's standard error (the host's
/// log). One run at a time; a run past `timeoutSeconds` is killed. Other plugin folders reuse it
/// by naming their script in `exec` (`["@bin/mice-agent-shell", "agent.sh"]`, relative to the
/// folder); then the HELLO name is the folder's plugin name.
@main
struct ShellAgent: PluginModule {
    static var pluginName: String { ProcessInfo.processInfo.environment["MICE_PLUGIN_NAME"] ?? "mice-agent-shell" }

    let reader: RIDFifoReader
    let runner: ScriptRunner

    init(context: PluginContext) throws {
        guard let fifo = try context.string("fifo"), !fifo.isEmpty else {
            throw PluginConfigError(key: "fifo", "the agent's FIFO is required")
        }
        let named = try context.string("script") ?? CommandLine.arguments.dropFirst().first
        guard let named, !named.isEmpty else {
            throw PluginConfigError(key: "script", "the program to run per alert is required")
        }
        var script = named
        if !script.hasPrefix("/") {
            guard let folder = context.directory else {
                throw PluginConfigError(key: "script", "relative path \"\(named)\" but no plugin folder")
            }
            script = folder + "/" + script
        }
        guard FileManager.default.isExecutableFile(atPath: script) else {
            throw PluginConfigError(key: "script", "\(script) is not an executable file")
        }
        let fixed = try context.strings("arguments")
        let timeout = try context.integer("timeoutSeconds", default: 10)
        guard (1...3600).contains(timeout) else { throw PluginConfigError(key: "timeoutSeconds", "expected 1…3600") }
        let runner = ScriptRunner(program: script, fixedArguments: fixed, timeout: .seconds(timeout))
        self.runner = runner
        do {
            reader = try RIDFifoReader(path: fifo) { record in runner.run(record) }
        } catch {
            throw PluginConfigError(key: "fifo", error.description)
        }
        PluginLog.info("reading \(fifo); running \(script) per alert")
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        throw PluginCallError(code: PluginErrorCode.badCall, "a reaction agent takes no calls")
    }

    mutating func shutdown() {
        reader.stop()
        let (succeeded, failed) = runner.counts
        PluginLog.info("\(reader.recordsRead) records read, \(succeeded) runs succeeded, \(failed) failed")
    }
}
