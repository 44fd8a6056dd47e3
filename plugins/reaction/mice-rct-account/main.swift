// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginKit
import MICEReactionKit

#if canImport(Glibc)
import Glibc
#endif

/// Locks or unlocks an account's password: arguments `lock|unlock ACCOUNT`, run as
/// `usermod -L|-U ACCOUNT` (or `passwd -l|-u` when usermod is absent). Refuses accounts in
/// `protectedAccounts` (root by default) and unknown accounts. A lock stays in force (key
/// `lock:ACCOUNT`) until an unlock removes it. Dry-run only reports.
@main
struct AccountReaction: PluginModule {
    static let pluginName = "mice-rct-account"

    let dryRun: Bool
    let usermod: String
    let passwd: String
    let protected: [String]

    init(context: PluginContext) throws {
        dryRun = try context.bool("dryRun", default: false)
        usermod = try context.string("usermod", default: "/usr/sbin/usermod") ?? "/usr/sbin/usermod"
        passwd = try context.string("passwd", default: "/usr/bin/passwd") ?? "/usr/bin/passwd"
        let configured = try context.strings("protectedAccounts")
        protected = configured.isEmpty ? ["root"] : configured
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        let tokens = ReactionReport.tokens(input.data)
        guard tokens.count == 2, tokens[0] == "lock" || tokens[0] == "unlock" else {
            throw PluginCallError(code: PluginErrorCode.badCall, "expected lock|unlock ACCOUNT")
        }
        let lock = tokens[0] == "lock"
        let account = tokens[1]
        guard !protected.contains(account) else {
            reply += ReactionReport(key: nil, summary: "\(account) is protected; not changed", dryRun: dryRun).encoded
            return 1
        }
        guard getpwnam(account) != nil else {
            reply += ReactionReport(key: nil, summary: "no account \(account)", dryRun: dryRun).encoded
            return 1
        }
        let verb = lock ? "locked" : "unlocked"
        if dryRun {
            reply +=
                ReactionReport(
                    key: "lock:\(account)", summary: "dry-run: would have \(verb) \(account)", inForce: lock,
                    dryRun: true
                ).encoded
            return 0
        }
        let result =
            access(usermod, X_OK) == 0
            ? ProgramRunner.run(usermod, [lock ? "-L" : "-U", account])
            : ProgramRunner.run(passwd, [lock ? "-l" : "-u", account])
        guard result.succeeded else {
            PluginLog.error("\(account): \(result.output)")
            reply +=
                ReactionReport(key: nil, summary: "\(account) not \(verb): \(result.output)", dryRun: false).encoded
            return 1
        }
        reply +=
            ReactionReport(key: "lock:\(account)", summary: "\(verb) \(account)", inForce: lock, dryRun: false).encoded
        return 0
    }
}
