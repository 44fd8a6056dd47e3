// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A `rule NAME { type = mail; ... }` section: mail alerts in batches, sent when `batch` alerts
/// are queued or the oldest has waited `latency` seconds, whichever comes first (the seed's
/// "Latency and Alerts/Message"; defaults 300 s and 50 alerts, as the seed's GUI had).
public struct MailRuleDefinition: Hashable, Sendable {
    /// The rule's name.
    public var name: String
    /// Recipients.
    public var recipients: [String]
    /// The longest an alert waits, in seconds.
    public var latencySeconds: Int
    /// Alerts per message.
    public var batch: Int

    /// The engine's default mail rule (`rules = mail;`).
    public init(name: String, recipients: [String], latencySeconds: Int = 300, batch: Int = 50) {
        self.name = name
        self.recipients = recipients
        self.latencySeconds = latencySeconds
        self.batch = batch
    }

    init(name: String, body: [AlertConfigScanner.Assignment], path: String) throws(NFRError) {
        self.init(name: name, recipients: [])
        var sawType = false
        for assignment in body {
            switch assignment.key {
            case "type":
                guard assignment.text == "mail" || assignment.text == "email" else {
                    throw NFRError(
                        .invalidValue, file: path, line: assignment.line,
                        "rule \(name): only type = mail is supported, found \(assignment.text)")
                }
                sawType = true
            case "to", "recipients":
                recipients = assignment.values.flatMap { $0.split(separator: ",").map { $0.trimmingBlanks() } }
                    .filter { !$0.isEmpty }
            case "latency":
                latencySeconds = try Self.positive(assignment, path: path)
            case "batch", "alerts_per_message":
                batch = try Self.positive(assignment, path: path)
            default:
                throw NFRError(
                    .unknownName, file: path, line: assignment.line,
                    "unknown rule key \(assignment.key) (expected type, to, latency or batch)")
            }
        }
        guard sawType else { throw NFRError(.missingKey, file: path, "rule \(name) has no type") }
        guard !recipients.isEmpty else {
            throw NFRError(.missingKey, file: path, "rule \(name) has no recipients (to)")
        }
    }

    private static func positive(_ assignment: AlertConfigScanner.Assignment, path: String) throws(NFRError) -> Int {
        guard let value = Int(assignment.text), value > 0 else {
            throw NFRError(
                .invalidValue, file: path, line: assignment.line,
                "\(assignment.key) must be a positive integer, found \(assignment.text)")
        }
        return value
    }
}
