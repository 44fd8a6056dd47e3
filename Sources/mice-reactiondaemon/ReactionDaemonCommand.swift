// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import Logging
import MICECore
import MICEDaemon
import MICEReactionDaemon

/// The ReactionDaemon: answers stCipherRctMsg requests and runs each reaction in a fresh
/// sandboxed process (docs/reactiondaemon.md). Runs in the foreground; SIGTERM or SIGINT stop it.
@main
struct ReactionDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mice-reactiondaemon",
        abstract: "Run countermeasures requested by the management host, each in a sandbox (docs/reactiondaemon.md).")

    @Option(name: [.customShort("f"), .customLong("config")], help: "The configuration file.")
    var config = "/etc/M-ICE/reactiondaemon.conf"

    @OptionGroup var common: DaemonCommandOptions

    @Flag(help: "Run AUTH = twofish or plaintext, which do not authenticate clients (also ALLOW_UNAUTHENTICATED).")
    var allowUnauthenticated = false

    @Option(help: "Listen address (overrides NETWORK IP).")
    var listen: String?

    @Option(help: "Port (overrides NETWORK PORT; 0 = any free port, reported in the ready file).")
    var port: Int?

    @Option(help: "State folder (overrides MISC STATEDIR).")
    var stateDir: String?

    func run() async throws {
        let logger = try common.bootstrapLogging(label: "mice.reactiondaemon")
        let configuration: ReactionDaemonConfig
        do {
            configuration = try ReactionDaemonConfig.load(path: config)
        } catch {
            printError("mice-reactiondaemon: \(error)")
            throw ExitCode(78)
        }
        let options = ReactionDaemon.Options(
            binDirectory: common.binDirectory, pluginsRoot: common.plugins,
            allowUnauthenticated: allowUnauthenticated, listenAddress: listen, port: port, stateDirectory: stateDir)
        let daemon: ReactionDaemon
        do {
            daemon = try await ReactionDaemon.start(config: configuration, options: options, logger: logger)
        } catch {
            printError("mice-reactiondaemon: \(error)")
            throw ExitCode(78)
        }
        if let readyFile = common.readyFile {
            try ReadyFile.write(
                path: readyFile,
                contents: .object(["pid": .int(Int64(getpid())), "port": .int(Int64(daemon.listener.port ?? 0))]))
        }
        let signals = Task {
            for await number in TerminationSignals.stream() where number != SIGHUP {
                logger.info("signal \(number): stopping")
                daemon.shutdown()
            }
        }
        defer { signals.cancel() }
        try await daemon.run()
        let stats = daemon.handler.statistics
        let refused = stats.refusedAuthentication + stats.refusedReplay
        logger.info(
            "stopped: \(stats.received) requests, \(stats.executed) executed, \(stats.succeeded) succeeded, \(refused) refused"
        )
    }

    private func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
