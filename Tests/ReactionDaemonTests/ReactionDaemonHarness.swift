// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEBench
import MICECore
import MICECrypto
import MICEReactionDaemon
import MICERecords
import MICETestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The uid/gid the sandbox tests run modules as: no account, no other process of this uid, so
/// RLIMIT_NPROC counts only the module's own processes.
let testUID: UInt32 = 64123
/// A second id for the override tests.
let otherUID: UInt32 = 64124

/// A mice-reactiondaemon process started for one test, with a plugins root holding the shipped
/// reaction plugins and the mice-test-reaction fixture.
final class ReactionDaemonHarness {
    let scratch: Scratch
    let daemon: DaemonProcess
    let port: Int
    let host: String
    let stateDirectory: String

    /// One table row: FID, module, optional JSON config, user, group, extra sandbox lists.
    struct Row {
        var fid: UInt32
        var module: String
        var config: String? = nil
        var user = String(testUID)
        var group = String(testUID)
        var idsFromRequest = false
        var timeout = 10
    }

    init(
        rows: [Row], security: String = "AUTH = plaintext\nALLOW_UNAUTHENTICATED = yes", host: String = "127.0.0.1",
        namespace: String? = nil, extraArguments: [String] = [], misc: String = ""
    ) throws {
        scratch = try Scratch("rd")
        self.host = host
        let plugins = scratch.folder("plugins") + "/reaction"
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        for name in ["mice-rct-log", "mice-rct-block", "mice-rct-kill", "mice-rct-account", "mice-rct-run"] {
            try FileManager.default.createSymbolicLink(
                atPath: plugins + "/" + name, withDestinationPath: TestPaths.pluginsRoot + "/reaction/" + name)
        }
        try FileManager.default.createSymbolicLink(
            atPath: plugins + "/mice-test-reaction",
            withDestinationPath: TestPaths.repositoryRoot
                + "/Tests/Fixtures/reaction-plugins/reaction/mice-test-reaction")
        var files: [String] = []
        for (index, row) in rows.enumerated() {
            if let config = row.config {
                files.append(try scratch.write("module\(index).json", config))
            } else {
                files.append("\"\"")
            }
        }
        stateDirectory = scratch.path + "/state"
        let text = """
            [FUNCTION_ID]
            \(rows.map { "FID = 0x\(String($0.fid, radix: 16))" }.joined(separator: "\n"))
            [REACTION_MODULES]
            \(rows.map { "RCT_MOD = \($0.module)" }.joined(separator: "\n"))
            [REACTION_MODULES_CONFIG_FILE]
            \(files.map { "RCT_FILE = \($0)" }.joined(separator: "\n"))
            [NETWORK]
            IP = \(host)
            PORT = 0
            [SECURITY]
            \(security)
            [MISC]
            STATEDIR = \(stateDirectory)
            \(misc)
            [REACTION_SANDBOX]
            \(rows.map { "RCT_USER = \($0.user)" }.joined(separator: "\n"))
            \(rows.map { "RCT_GROUP = \($0.group)" }.joined(separator: "\n"))
            \(rows.map { "RCT_IDS_FROM_REQUEST = \($0.idsFromRequest ? "yes" : "no")" }.joined(separator: "\n"))
            \(rows.map { "RCT_TIMEOUT = \($0.timeout)" }.joined(separator: "\n"))

            """
        let config = try scratch.write("reactiondaemon.conf", text)
        var arguments =
            [
                "-f", config, "--plugins", scratch.path + "/plugins", "--bin-dir", TestPaths.binDirectory,
                "--ready-file", scratch.path + "/ready",
            ] + extraArguments
        var executable = TestPaths.binDirectory + "/mice-reactiondaemon"
        if let namespace {
            arguments = ["netns", "exec", namespace, executable] + arguments
            executable = "/usr/sbin/ip"
        }
        daemon = try DaemonProcess(
            executable: executable, arguments: arguments, readyFile: scratch.path + "/ready",
            logFile: scratch.path + "/daemon.log", timeout: 60)
        guard let port = daemon.ready.objectValue?["port"]?.intValue else { throw TestSetupError("no port") }
        self.port = Int(port)
    }

    deinit {
        daemon.stop(timeout: 10)
        scratch.remove()
    }

    /// A new connection.
    func connect(cipher: LegacyTwofish? = nil, namespace: String? = nil) throws -> ReactionClientConnection {
        try ReactionClientConnection(
            host: host, port: port, cipher: cipher, timeoutSeconds: 60, networkNamespace: namespace)
    }

    /// Sends one EXEC on a new connection and returns the RetVal (nil: refused).
    func exec(_ fid: UInt32, _ arguments: String, uid: UInt32 = 0, gid: UInt32 = 0, cipher: LegacyTwofish? = nil)
        throws -> Int32?
    {
        let message = ReactionClientConnection.exec(
            functionID: fid, arguments: arguments, alertID: "test-\(UUID().uuidString.prefix(8))", timestamp: now(),
            uid: uid, gid: gid)
        return ReactionClientConnection.returnValue(try connect(cipher: cipher).request(message))
    }

    /// The daemon's log.
    var log: String { (try? String(contentsOfFile: daemon.logFile, encoding: .utf8)) ?? "" }

    /// How many reactions the daemon has executed (its "EXEC <module>" result lines).
    var executions: Int {
        log.split(separator: "\n").filter { $0.contains("] EXEC mice-") }.count
    }
}

/// The clock as a request timestamp.
func now() -> UInt32 { UInt32(truncatingIfNeeded: time(nil)) }

/// Processes whose real uid is `uid` (from /proc).
func processes(ofUID uid: UInt32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { pid in
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
        return status.split(separator: "\n").contains { $0.hasPrefix("Uid:\t\(uid)\t") }
    }
}
