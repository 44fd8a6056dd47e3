// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import Logging

/// The command-line options every daemon takes besides its configuration file: where the plugins
/// and their executables are, the ready and stats files, and the log level.
public struct DaemonCommandOptions: ParsableArguments, Sendable {
    @Option(help: "The plugins root (overrides MODPATH).")
    public var plugins: String?

    @Option(help: "Folder of the @bin/ plugin executables and helper programs (default: this program's folder).")
    public var binDir: String?

    @Option(help: "Written (one line of JSON) once the daemon serves: tests and supervisors wait for it.")
    public var readyFile: String?

    @Option(help: "JSON counters, rewritten every second and at exit.")
    public var statsFile: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    public var logLevel = "info"

    public init() {}

    /// `--bin-dir`, or the folder of the running executable.
    public var binDirectory: String { binDir ?? Self.executableDirectory() }

    /// Sets up logging to stderr at `--log-level` and returns the daemon's logger.
    /// - Throws: `ValidationError` for an unknown level.
    public func bootstrapLogging(label: String) throws -> Logger {
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            throw ValidationError("--log-level: unknown level \"\(logLevel)\"")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// The folder of the running executable (where `@bin/` programs are by default).
    public static func executableDirectory() -> String {
        let path =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path).deletingLastPathComponent().path
    }
}
