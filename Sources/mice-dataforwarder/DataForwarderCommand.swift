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

    @Option(name: .customLong("plugins"), help: "The plugins folder (overrides MODPATH).")
    var plugins: String?

    @Option(help: "Where mice-fdserver and the module executables are (default: this program's folder).")
    var binDir: String?

    @Option(help: "The spool folder (overrides SPOOLDIR).")
    var spoolDir: String?

    @Option(help: "JSON file written once the files are followed and the links are set up.")
    var readyFile: String?

    @Option(help: "JSON file with the counters, rewritten every second and at exit.")
    var statsFile: String?

    @Flag(help: "Open the log files through the fd server also when not started as root.")
    var fdServer = false

    @Option(help: "Seconds the links get at a clean stop to deliver what is spooled.")
    var deliveryTimeout: Double = 5

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            throw ValidationError("--log-level: unknown level \"\(logLevel)\"")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "mice.dataforwarder")
        let configuration: DataForwarderConfig
        do {
            configuration = try DataForwarderConfig.load(path: config)
        } catch {
            printError("mice-dataforwarder: \(error)")
            throw ExitCode(78)
        }
        let settings = ForwarderSettings(
            pluginsRoot: plugins, binDirectory: binDir ?? Self.executableDirectory(), spoolDirectory: spoolDir,
            readyFile: readyFile, statsFile: statsFile, forceFdServer: fdServer,
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

    /// The folder of the running executable.
    private static func executableDirectory() -> String {
        let path =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path).deletingLastPathComponent().path
    }
}
