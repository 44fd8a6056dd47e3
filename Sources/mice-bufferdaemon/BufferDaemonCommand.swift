// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import Logging
import MICEBufferDaemon
import MICEConfig
import MICECore
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

    @Option(help: "The plugins root (overrides MODPATH).")
    var plugins: String?

    @Option(help: "Folder of the @bin/ plugin executables (default: this program's folder).")
    var binDir: String?

    @Option(help: "State directory: watermarks, module state (overrides STATEDIR).")
    var stateDir: String?

    @Option(help: "Written (JSON) once every listener is bound.")
    var readyFile: String?

    @Option(help: "JSON counters per entry, rewritten every second and at exit.")
    var statsFile: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            throw ValidationError("unknown log level \"\(logLevel)\"")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = {
            var logger = Logger(label: "mice.bufferdaemon")
            logger.logLevel = level
            return logger
        }()

        let configuration: BufferDaemonConfig
        do {
            configuration = try BufferDaemonConfig.load(path: config)
        } catch {
            Self.printError("mice-bufferdaemon: \(error)")
            throw ExitCode(78)
        }
        let options = BufferDaemonOptions(
            pluginsRoot: plugins ?? configuration.modulePath,
            binDirectory: binDir ?? Self.executableDirectory(),
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

        let signals = SignalWatcher { signal in
            logger.info("signal \(signal): stopping")
            daemon.stop()
        }
        defer { signals.cancel() }

        let readyFile = self.readyFile
        let statsFile = self.statsFile
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

    static func executableDirectory() -> String? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            return nil
        }
        return URL(fileURLWithPath: path).deletingLastPathComponent().path
    }

    static func printError(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
