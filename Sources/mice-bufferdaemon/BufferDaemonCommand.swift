// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import Logging
import MICEBufferDaemon
import MICEConfig
import MICECore
import MICEDaemon
import MICEFdServer
import MICETransport

#if canImport(Glibc)
import Glibc
#endif

/// The BufferDaemon: receives records from DataForwarders (and other senders), decodes them and
/// hands them to postprocessing modules (docs/bufferdaemon.md).
@main
struct BufferDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mice-bufferdaemon",
        abstract: "Receives records on links, decodes them and stores them through postprocessing modules.",
        discussion: "Exit codes: 0 stopped by SIGTERM/SIGINT, 78 bad configuration, 1 could not start.")

    @Option(name: [.customShort("f"), .customLong("config")], help: "The configuration file.")
    var config = "/etc/M-ICE/bufferdaemon.conf"

    @OptionGroup var common: DaemonCommandOptions

    @Option(help: "State directory: watermarks, module state (overrides STATEDIR).")
    var stateDir: String?

    func run() async throws {
        let logger = try common.bootstrapLogging(label: "mice.bufferdaemon")

        let configuration: BufferDaemonConfig
        do {
            configuration = try BufferDaemonConfig.load(path: config)
        } catch {
            Self.printError("mice-bufferdaemon: \(error)")
            throw ExitCode(78)
        }
        let options = BufferDaemonOptions(
            pluginsRoot: common.plugins ?? configuration.modulePath,
            binDirectory: common.binDirectory,
            stateDirectory: stateDir ?? configuration.stateDirectory,
            layout: configuration.layout)
        let daemon: BufferDaemon
        do {
            daemon = try BufferDaemon(configuration: configuration, options: options, logger: logger)
        } catch {
            var located = error
            if located.file == nil { located.file = config }
            Self.printError("mice-bufferdaemon: \(located)")
            throw ExitCode(78)
        }

        let signals = Task {
            for await number in TerminationSignals.stream() {
                if number == SIGHUP {
                    logger.info("SIGHUP: reloading is not supported; restart to apply a new configuration")
                    continue
                }
                logger.info("signal \(number): stopping")
                daemon.stop()
            }
        }
        defer { signals.cancel() }

        let readyFile = common.readyFile
        let statsFile = common.statsFile
        let stats = statsFile.map { StatsWriter(path: $0, daemon: daemon, logger: logger) }
        do {
            try await daemon.run { bound in
                try Self.dropPrivileges(configuration, stateDirectory: options.stateDirectory, logger: logger)
                if let readyFile {
                    let contents: JSONValue = [
                        "pid": .int(Int64(getpid())), "entries": .array(bound.map(\.json)),
                    ]
                    try AtomicFile.write(try Self.encode(contents), to: readyFile, sync: false)
                }
                stats?.start()
                for entry in bound {
                    logger.info(
                        "entry \(entry.index) ready",
                        metadata: [
                            "endpoint": "\(entry.endpoint)", "mode": "\(entry.mode.rawValue)",
                            "record_size": "\(entry.recordSize)",
                        ])
                }
            }
        } catch {
            await stats?.stop()
            Self.printError("mice-bufferdaemon: \(error)")
            throw ExitCode(1)
        }
        await stats?.stop()
    }

    /// Gives up root (USER/GROUP) after binding; the state directory is handed to that user first.
    static func dropPrivileges(
        _ configuration: BufferDaemonConfig, stateDirectory: String, logger: Logger
    ) throws {
        guard geteuid() == 0 else { return }
        let uid = try PrivilegeDrop.lookUpUser(configuration.user)
        let gid = try PrivilegeDrop.lookUpGroup(configuration.group)
        if chown(stateDirectory, uid_t(uid), gid_t(gid)) != 0 {
            logger.warning(
                "cannot hand \(stateDirectory) to \(configuration.user): \(String(cString: strerror(errno)))")
        }
        try PrivilegeDrop.drop(user: configuration.user, group: configuration.group, logger: logger)
    }

    static func encode(_ value: JSONValue) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(value)) + [0x0A]
    }

    static func printError(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
