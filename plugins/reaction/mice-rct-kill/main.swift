// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginKit
import MICEReactionKit

#if canImport(Glibc)
import Glibc
#endif

/// Sends a signal to a process: arguments `PID [TERM|KILL|HUP|INT|STOP]` (default TERM). Refuses
/// pid 1 and its own process; a one-shot action (nothing stays in force). Dry-run only reports.
@main
struct KillReaction: PluginModule {
    static let pluginName = "mice-rct-kill"
    static let signals: [String: Int32] = [
        "TERM": SIGTERM, "KILL": SIGKILL, "HUP": SIGHUP, "INT": SIGINT, "STOP": SIGSTOP,
    ]

    let dryRun: Bool

    init(context: PluginContext) throws {
        dryRun = try context.bool("dryRun", default: false)
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        let tokens = ReactionReport.tokens(input.data)
        guard let first = tokens.first, let pid = Int32(first), pid > 1, pid != getpid() else {
            throw PluginCallError(code: PluginErrorCode.badCall, "a process id other than 1 is required")
        }
        let name = tokens.count > 1 ? tokens[1] : "TERM"
        guard let signal = Self.signals[name] else {
            throw PluginCallError(code: PluginErrorCode.badCall, "unknown signal \(name)")
        }
        if dryRun {
            reply += ReactionReport(key: nil, summary: "dry-run: would send SIG\(name) to \(pid)", dryRun: true).encoded
            return 0
        }
        guard kill(pid, signal) == 0 else {
            let reason = String(cString: strerror(errno))
            reply += ReactionReport(key: nil, summary: "SIG\(name) to \(pid) failed: \(reason)", dryRun: false).encoded
            return 1
        }
        reply += ReactionReport(key: nil, summary: "sent SIG\(name) to \(pid)", dryRun: false).encoded
        return 0
    }
}
