// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICECore
import MICEPluginKit
import MICERecords

/// The mail reaction agent: collects the RIDMsgFormat records of its FIFO and mails them over
/// plain SMTP, one mail after `maxAlerts` alerts or `maxDelaySeconds`, whichever comes first
/// (``AlertMailBatcher``). The SMTP conversation runs on a thread of its own (``MailSender``), so
/// a slow or absent server never stops the FIFO from being read; failures are retried with
/// backoff, counted in the log and in `stats.json` of the state directory, and never end the agent.
@main
struct MailAgent: PluginModule {
    static let pluginName = "mice-agent-mail"

    let reader: RIDFifoReader
    let sender: MailSender

    init(context: PluginContext) throws {
        guard let fifo = try context.string("fifo"), !fifo.isEmpty else {
            throw PluginConfigError(key: "fifo", "the agent's FIFO is required")
        }
        guard let from = try context.string("from"), Self.isAddress(from) else {
            throw PluginConfigError(
                key: "from", "a sender address (user@host, no spaces or angle brackets) is required")
        }
        let recipients: [String]
        if case .string(let single)? = context.config["to"] {
            recipients = [single]
        } else {
            recipients = try context.strings("to")
        }
        guard !recipients.isEmpty else { throw PluginConfigError(key: "to", "at least one recipient is required") }
        for (index, recipient) in recipients.enumerated() where !Self.isAddress(recipient) {
            throw PluginConfigError(key: "to[\(index)]", "\"\(recipient)\" is not an address (user@host)")
        }
        let host = try context.string("smtpHost", default: "127.0.0.1") ?? "127.0.0.1"
        let port = try context.integer("smtpPort", default: 25)
        guard (1...65535).contains(port) else { throw PluginConfigError(key: "smtpPort", "\(port) is out of range") }
        let maxAlerts = try context.integer("maxAlerts", default: 10)
        guard (1...10_000).contains(maxAlerts) else { throw PluginConfigError(key: "maxAlerts", "expected 1…10000") }
        let maxQueued = try context.integer("maxQueued", default: 10_000)
        guard maxQueued >= maxAlerts else { throw PluginConfigError(key: "maxQueued", "must be maxAlerts or more") }
        let timeout = try context.integer("timeoutSeconds", default: 10)
        guard (1...600).contains(timeout) else { throw PluginConfigError(key: "timeoutSeconds", "expected 1…600") }
        let settings = AlertMailBatcher.Settings(
            maxAlerts: Int(maxAlerts), maxDelay: try Self.seconds(context, "maxDelaySeconds", default: 60),
            maxQueued: Int(maxQueued), retryInitial: try Self.seconds(context, "retryInitialSeconds", default: 1),
            retryMax: try Self.seconds(context, "retryMaxSeconds", default: 300))
        let heloName = try context.string("heloName") ?? ProcessInfo.processInfo.hostName
        let client = SMTPClient(
            host: host, port: Int(port), heloName: heloName.isEmpty ? "localhost" : heloName,
            timeoutSeconds: Int(timeout))
        let mail = AlertMail(
            from: from, to: recipients, subjectPrefix: try context.string("subjectPrefix", default: "[M-ICE]") ?? "")
        let statsFile = context.stateDirectory.map { $0 + "/stats.json" }
        sender = MailSender(
            batcher: AlertMailBatcher(settings: settings), client: client, mail: mail, statsFile: statsFile)
        let sender = self.sender
        do {
            reader = try RIDFifoReader(path: fifo) { record in sender.add(record) }
        } catch {
            sender.stop(flush: false)
            throw PluginConfigError(key: "fifo", error.description)
        }
        PluginLog.info(
            "reading \(fifo); mailing \(recipients.joined(separator: ", ")) via \(host):\(port) after \(maxAlerts) "
                + "alerts or \(settings.maxDelay)")
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        throw PluginCallError(code: PluginErrorCode.badCall, "a reaction agent takes no calls")
    }

    mutating func shutdown() {
        reader.stop()
        sender.stop(flush: true)
        let counters = sender.counters
        PluginLog.info(
            "\(counters.received) alerts read, \(counters.mailsSent) mails (\(counters.alertsSent) alerts) sent, "
                + "\(counters.failures) failed attempts, \(counters.dropped) alerts dropped")
    }

    /// user@host without spaces, angle brackets or control characters.
    static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && text.count <= 254
            && text.unicodeScalars.allSatisfy {
                $0.value > 0x20 && $0.value < 0x7F && !"<>()[],;:\\\"".unicodeScalars.contains($0)
            }
    }

    static func seconds(_ context: PluginContext, _ key: String, default value: Double) throws -> Duration {
        var seconds = value
        if let setting = context.config[key], setting != .null {
            guard let number = setting.doubleValue else {
                throw PluginConfigError(key: key, "expected a number of seconds, found \(setting.typeName)")
            }
            seconds = number
        }
        guard seconds > 0, seconds <= 86_400 else { throw PluginConfigError(key: key, "expected 0 < seconds ≤ 86400") }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
