// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICECrypto
import MICEPluginKit
import MICERecords
import MICETLS

/// The countermeasure reaction agent (the original `rid_4_countermeasure`, spec §7.5): each
/// RIDMsgFormat record becomes one MID_EXEC request to the ReactionDaemon of the alert's source
/// host. Unlike the original, the function ID and the argument string come from the
/// configuration (a template), never a built-in command, and alert values are only substituted
/// when they are plain tokens (letters, digits, `.`, `:`, `_`, `-`), so an alert cannot inject
/// shell syntax into the daemon's command.
@main
struct CountermeasureAgent: PluginModule {
    static let pluginName = "mice-agent-countermeasure"

    let reader: RIDFifoReader

    init(context: PluginContext) throws {
        guard let fifo = try context.string("fifo"), !fifo.isEmpty else {
            throw PluginConfigError(key: "fifo", "the agent's FIFO is required")
        }
        guard let template = try context.string("arguments"), !template.isEmpty else {
            throw PluginConfigError(key: "arguments", "the argument template of the request is required")
        }
        let functionID = try context.integer("functionID", default: -1)
        guard (0...Int64(UInt32.max)).contains(functionID) else {
            throw PluginConfigError(key: "functionID", "the function ID (FID) of the reaction module is required")
        }
        let port = try context.integer("port", default: 1977)
        guard (1...65535).contains(port) else { throw PluginConfigError(key: "port", "\(port) is out of range") }
        let architectureName = try context.string("architecture", default: "x86_64") ?? "x86_64"
        guard let architecture = ReactionArchitecture(rawValue: architectureName) else {
            throw PluginConfigError(key: "architecture", "expected x86_64 or i386")
        }
        let password = try context.string("password") ?? ""
        let cipher: LegacyTwofish?
        do {
            cipher = password.isEmpty ? nil : try LegacyTwofish(password: password)
        } catch {
            throw PluginConfigError(key: "password", "\(error)")
        }
        let targetHost = try context.string("targetHost")
        let timeout = try context.integer("timeoutSeconds", default: 5)
        var tls: TLSIdentity?
        if try context.bool("tls", default: false) {
            guard let name = try context.string("tlsName"), !name.isEmpty else {
                throw PluginConfigError(key: "tlsName", "tls needs tlsName, this host's certificate name")
            }
            let pki = try context.string("pki", default: "/etc/M-ICE/pki") ?? "/etc/M-ICE/pki"
            do {
                tls = try TLSIdentity.load(TLSSettings(pkiDirectory: pki, certificateName: name))
            } catch {
                throw PluginConfigError(key: "pki", "\(error)")
            }
        }
        let client = ReactionClient(
            template: template, functionID: UInt32(functionID), port: Int(port), architecture: architecture,
            cipher: cipher, targetHost: targetHost, timeoutSeconds: Int(max(1, timeout)), tls: tls)
        do {
            reader = try RIDFifoReader(path: fifo) { record in client.react(to: record) }
        } catch {
            throw PluginConfigError(key: "fifo", error.description)
        }
        PluginLog.info(
            "reading \(fifo); requests FID \(functionID) to port \(port) (\(architecture.rawValue), "
                + (tls != nil ? "mutual TLS" : cipher == nil ? "plaintext" : "Twofish") + ")")
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        throw PluginCallError(code: PluginErrorCode.badCall, "a reaction agent takes no calls")
    }

    mutating func shutdown() {
        reader.stop()
        PluginLog.info("\(reader.recordsRead) records read")
    }
}
