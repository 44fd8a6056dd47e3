// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICECore
import MICEPluginHost
import MICEPluginManifest
import MICERecords
import MICEWire

/// Runs one reaction: a fresh module process per call, inside `mice-sandbox`.
///
/// The module's argv becomes `mice-sandbox OPTIONS -- MODULE ARGS`: the helper (a small C
/// program, started by the plugin host with posix_spawn in a new session and process group)
/// drops the capability bounding set to the manifest's `sandbox.capabilities`, sets the
/// resource limits, switches to the entry's gid and uid, sets no_new_privs, confines writes and
/// exec with Landlock and installs a seccomp deny list, then execs the module. The host's own
/// setpriv/prlimit wrappers are not used (the manifest copy has no user, group or limits).
/// The call must answer within the entry's wall-clock limit; otherwise the process group is
/// killed with SIGKILL.
public struct ReactionExecutor: Sendable {
    /// How a call ended.
    public struct Outcome: Sendable, Hashable {
        /// The RetVal code for the client.
        public var code: Int32
        /// What happened, for the log.
        public var detail: String
        /// The module's report (a JSON object), when it gave one.
        public var report: JSONValue?
        /// Whether the process was killed at the wall-clock limit.
        public var timedOut: Bool
    }

    /// The folder of `@bin/` programs and of `mice-sandbox`.
    public let binDirectory: String
    /// The state directory; module state goes below `modules/`.
    public let stateDirectory: String
    let logger: Logger

    /// Creates an executor.
    public init(binDirectory: String, stateDirectory: String, logger: Logger) {
        self.binDirectory = binDirectory
        self.stateDirectory = stateDirectory
        self.logger = logger
    }

    /// The path of the sandbox helper.
    public var sandboxPath: String { (binDirectory as NSString).appendingPathComponent("mice-sandbox") }

    /// The argv prefix and manifest copy for one call.
    /// - Parameters:
    ///   - entry: The table entry.
    ///   - uid: The uid to run as.
    ///   - gid: The gid to run as.
    /// - Returns: The manifest whose `exec` starts the module through mice-sandbox.
    public func sandboxedManifest(_ entry: ReactionTableEntry, uid: UInt32, gid: UInt32) -> PluginManifest {
        var manifest = entry.manifest
        let sandbox = manifest.sandbox
        let limits = sandbox.limits
        let row = entry.entry
        var options = ["--uid", String(uid), "--gid", String(gid)]
        options += ["--cpu", String(row.cpuSeconds ?? limits.cpuSeconds ?? 5)]
        options += ["--as", String(row.memoryBytes ?? limits.memoryBytes ?? (1 << 30))]
        options += ["--nofile", String(row.openFiles ?? limits.openFiles ?? 64)]
        if let processes = row.processes ?? (uid == 0 ? nil : limits.processes ?? 64) {
            options += ["--nproc", String(processes)]
        }
        if let size = limits.fileSizeBytes { options += ["--fsize", String(size)] }
        for path in sandbox.writablePaths { options += ["--write", path] }
        for program in sandbox.programs { options += ["--exec", program] }
        if sandbox.network { options.append("--network") }
        if sandbox.netlink { options.append("--netlink") }
        for name in sandbox.capabilities {
            if let number = ReactionArgumentSpec.capabilityNumber(name) { options += ["--cap", String(number)] }
        }
        let module = manifest.resolvedArguments(binDirectory: binDirectory)
        manifest.exec = [sandboxPath] + options + ["--"] + module
        manifest.sandbox = Sandbox(environment: sandbox.environment)
        manifest.timeouts.startSeconds = Double(row.timeoutSeconds)
        manifest.timeouts.requestSeconds = Double(row.timeoutSeconds)
        manifest.timeouts.shutdownSeconds = 0.5
        manifest.timeouts.heartbeatSeconds = 0
        return manifest
    }

    /// Runs the module once with `arguments`.
    /// - Parameters:
    ///   - entry: The table entry.
    ///   - arguments: The checked argument string.
    ///   - uid: The uid to run as.
    ///   - gid: The gid to run as.
    /// - Returns: The outcome; never throws (a failure is `RID_ERROR`).
    public func run(_ entry: ReactionTableEntry, arguments: String, uid: UInt32, gid: UInt32) async -> Outcome {
        let manifest = sandboxedManifest(entry, uid: uid, gid: gid)
        let started = ContinuousClock.now
        let limit = Duration.seconds(entry.entry.timeoutSeconds)
        let options = PluginSpawnOptions(
            binDirectory: binDirectory,
            stateDirectory: (stateDirectory as NSString).appendingPathComponent("modules/\(manifest.name)"),
            configuration: entry.configuration, pipeCapacity: 0)
        let connection: PluginConnection
        do {
            connection = try await PluginConnection.launch(manifest: manifest, options: options, logger: logger)
        } catch let error as PluginError {
            let timedOut = ContinuousClock.now - started >= limit || error.code == .handshakeTimeout
            var detail = "\(error)"
            if let status = error.exitStatus { detail += " (exit \(status))" }
            return Outcome(code: ReactionMessage.RID_ERROR, detail: detail, report: nil, timedOut: timedOut)
        } catch {
            return Outcome(code: ReactionMessage.RID_ERROR, detail: "\(error)", report: nil, timedOut: false)
        }
        let process = connection.process
        let outcome: Outcome
        do {
            let reply = try await connection.call(ModuleCall(data: Array(arguments.utf8)))
            let report = try? JSONDecoder().decode(JSONValue.self, from: Data(reply.data))
            let code = reply.returnValue == 0 ? ReactionMessage.RID_SUCCESS : ReactionMessage.RID_ERROR
            let summary = report?.objectValue?["summary"]?.stringValue ?? "returned \(reply.returnValue)"
            outcome = Outcome(code: code, detail: summary, report: report, timedOut: false)
        } catch {
            let timedOut = ContinuousClock.now - started >= limit
            if timedOut { process.signalGroup(SIGKILL) }
            outcome = Outcome(
                code: ReactionMessage.RID_ERROR,
                detail: timedOut ? "killed after the wall-clock limit of \(entry.entry.timeoutSeconds) s" : "\(error)",
                report: nil, timedOut: timedOut)
        }
        let status = await connection.shutdown(reason: "reaction done")
        if outcome.code != ReactionMessage.RID_SUCCESS, !outcome.timedOut {
            var failed = outcome
            failed.detail += " (exit \(status))"
            let tail = process.stderr.tail(3)
            if !tail.isEmpty { failed.detail += "; stderr: " + tail.joined(separator: " | ") }
            return failed
        }
        return outcome
    }
}
