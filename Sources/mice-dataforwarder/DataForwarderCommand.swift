// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import Logging
import MICEConfig
import MICEDaemon
import MICEForwarder

/// The DataForwarder daemon: follows the configured log files and forwards every line to the
/// BufferDaemons (docs/dataforwarder.md). Runs in the foreground; SIGTERM or SIGINT stop it cleanly.
@main
struct DataForwarderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mice-dataforwarder",
        abstract: "Forward log lines as LogFormat records to the BufferDaemons, exactly once (docs/dataforwarder.md).")

    @Option(name: [.customShort("f"), .customLong("config")], help: "The configuration file.")
    var config = "/etc/M-ICE/dataforwarder.conf"

    @OptionGroup var common: DaemonCommandOptions

    @Option(help: "The spool folder (overrides SPOOLDIR).")
    var spoolDir: String?

    @Flag(help: "Open the log files through the fd server also when not started as root.")
    var fdServer = false

    @Option(help: "Seconds the links get at a clean stop to deliver what is spooled.")
    var deliveryTimeout: Double = 5

    func run() async throws {
        let logger = try common.bootstrapLogging(label: "mice.dataforwarder")
        let configuration: DataForwarderConfig
        do {
            configuration = try DataForwarderConfig.load(path: config)
        } catch {
            printError("mice-dataforwarder: \(error)")
            throw ExitCode(78)
        }
        let settings = ForwarderSettings(
            pluginsRoot: common.plugins, binDirectory: common.binDirectory, spoolDirectory: spoolDir,
            readyFile: common.readyFile, statsFile: common.statsFile, forceFdServer: fdServer,
            deliveryTimeout: .milliseconds(Int(max(0, deliveryTimeout) * 1000)))
        let forwarder = Forwarder(configuration: configuration, settings: settings, logger: logger)
        let signals = Task {
            var count = 0
            for await number in TerminationSignals.stream() {
                if number == SIGHUP {
                    logger.info("SIGHUP: reloading is not supported; restart to apply a new configuration")
                    continue
                }
                count += 1
                if count == 1 {
                    logger.info("signal \(number): stopping after the lines already read")
                    forwarder.stop()
                } else {
                    // Safe: every checkpoint is stored with its records, so a restart resumes exactly.
                    logger.warning("signal \(number) again: exiting at once")
                    Foundation.exit(1)
                }
            }
        }
        defer { signals.cancel() }
        do {
            try await forwarder.run()
        } catch {
            printError("mice-dataforwarder: \(error)")
            throw ExitCode(error.exitStatus)
        }
    }

    private func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
