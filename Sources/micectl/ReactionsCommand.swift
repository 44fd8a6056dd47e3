// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICECrypto
import MICEReactionDaemon
import MICERecords

/// `micectl reactions`: what the ReactionDaemon keeps in force, and sending a request by hand.
struct ReactionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reactions",
        abstract: "Countermeasures in force (the ReactionDaemon's state) and test requests.",
        subcommands: [List.self, Send.self]
    )

    /// `micectl reactions list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the countermeasures in force (STATEDIR/reactions.json of mice-reactiondaemon).")

        @Option(help: "The daemon's state folder (MISC STATEDIR).")
        var stateDir = "/var/lib/M-ICE/reactiondaemon"

        @Flag(help: "Print a JSON array.")
        var json = false

        @Flag(help: "Also list entries whose time is over.")
        var all = false

        func run() throws {
            let path = (stateDir as NSString).appendingPathComponent(ActiveReactions.fileName)
            let now = Int64(Date().timeIntervalSince1970)
            let entries = try ActiveReactions.read(path: path).filter { all || $0.isInForce(at: now) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(entries), as: UTF8.self))
                return
            }
            if entries.isEmpty {
                print("no countermeasures in force")
                return
            }
            for entry in entries.sorted(by: { $0.since < $1.since }) {
                let remaining = entry.expiresAt.map { $0 > now ? "\($0 - now) s left" : "expired" } ?? "until undone"
                let mode = entry.dryRun ? " [dry-run]" : ""
                print("\(entry.key)\t\(entry.plugin) FID 0x\(String(entry.functionID, radix: 16))\t\(remaining)\(mode)")
                print("\t\(entry.summary) (alert \(entry.alertID))")
            }
        }
    }

    /// `micectl reactions send`.
    struct Send: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send one request to a ReactionDaemon and print its answer (RetVal name).")

        @Option(help: "The daemon's address (numeric).")
        var host = "127.0.0.1"

        @Option(help: "The daemon's port.")
        var port = 1977

        @Option(help: "Mode: exec, check, supported, show or all.")
        var mode = "exec"

        @Option(help: "Function ID (decimal or 0x hex).")
        var fid = "0x1"

        @Option(help: "The argument string (exec).")
        var arguments = ""

        @Option(help: "Twofish password; absent sends plaintext.")
        var password: String?

        @Option(help: "x86_64 or i386.")
        var architecture = "x86_64"

        func run() throws {
            guard let architecture = ReactionArchitecture(rawValue: architecture) else {
                throw ValidationError("--architecture: x86_64 or i386")
            }
            let text = fid.lowercased()
            guard let functionID = text.hasPrefix("0x") ? UInt32(text.dropFirst(2), radix: 16) : UInt32(text) else {
                throw ValidationError("--fid: not a number")
            }
            let cipher = try password.map { try LegacyTwofish(password: $0) }
            let connection = try ReactionClientConnection(
                host: host, port: port, architecture: architecture, cipher: cipher)
            let now = UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970))
            let message: ReactionMessage
            switch mode {
            case "exec":
                message = ReactionClientConnection.exec(
                    functionID: functionID, arguments: arguments, alertID: "micectl", timestamp: now)
            case "check":
                message = ReactionMessage(
                    timestamp: now, mode: ReactionMessage.MID_CHECK, modeData: .check(functionID: functionID))
            case "supported":
                message = ReactionMessage(
                    timestamp: now, mode: ReactionMessage.MID_SUPPORTED, modeData: .supported(functionID))
            case "show":
                message = ReactionMessage(timestamp: now, mode: ReactionMessage.MID_SHOW, modeData: .show(0))
            case "all":
                message = ReactionMessage(timestamp: now, mode: ReactionMessage.MID_ALL, modeData: .raw([]))
            default:
                throw ValidationError("--mode: exec, check, supported, show or all")
            }
            guard let answer = try connection.request(message) else {
                print("refused: the daemon closed the connection without an answer")
                throw ExitCode(2)
            }
            switch answer.modeData {
            case .retval(let code):
                print(ReactionMessage.returnValueName(code) ?? String(code))
                if code != ReactionMessage.RID_SUCCESS { throw ExitCode(1) }
            case .show(let count):
                print("\(count) countermeasures in force")
            default:
                print(ReactionMessage.modeName(answer.mode) ?? String(answer.mode))
            }
        }
    }
}
