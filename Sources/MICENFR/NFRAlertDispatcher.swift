// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICEIDMEF
import MICERecords
import MICETransport

/// Delivers the alerts that passed `alertContext`: every alert is kept in
/// `<home>/alerts/alerts.jsonl` (what `networklist` and `popup` show, read by `micectl nfr alerts`),
/// `popup` also goes to the console, mail rules queue it (``NFRMailQueue``), and with a management
/// link it becomes an IDMEF alert in a CipherIdmefMsg for the M-ICE management host.
public final class NFRAlertDispatcher {
    /// Where mail goes.
    public struct MailSettings: Sendable {
        /// The SMTP server.
        public var client: SMTPClient
        /// The envelope sender.
        public var from: String
        /// Recipients of the built-in `mail` rule.
        public var defaultRecipients: [String]

        public init(client: SMTPClient, from: String, defaultRecipients: [String]) {
            self.client = client
            self.from = from
            self.defaultRecipients = defaultRecipients
        }
    }

    /// What happened so far.
    public struct Counters: Hashable, Sendable {
        /// Alerts delivered.
        public var alerts = 0
        /// Mails sent and alerts in them.
        public var mailsSent = 0
        public var alertsMailed = 0
        /// Mails that failed (their alerts stay in alerts.jsonl).
        public var mailFailures = 0
        /// Alerts spooled for the management host.
        public var idmefSent = 0
        /// Alerts whose IDMEF could not be spooled.
        public var idmefFailures = 0
    }

    /// What happened so far.
    public private(set) var counters = Counters()
    /// The alerts file.
    public let alertsPath: String
    private let console: (String) -> Void
    private let jsonOutput: ((String) -> Void)?
    private let mail: MailSettings?
    private let management: BlockingSpooledLink?
    private let analyzer: IDMEFAnalyzer
    private var queues: [String: NFRMailQueue] = [:]
    private var handle: FileHandle?
    private var nextMessageID = 1

    /// A dispatcher writing under `home`; `console` gets popup lines, `jsonOutput` (with `--json`)
    /// every alert as one JSON line.
    public init(
        home: String, console: @escaping (String) -> Void, jsonOutput: ((String) -> Void)?, mail: MailSettings?,
        management: BlockingSpooledLink?, analyzerID: String = "mice-nfr"
    ) throws(NFRError) {
        let folder = home + "/alerts"
        try NFRFiles.makeDirectory(folder)
        alertsPath = folder + "/alerts.jsonl"
        if !FileManager.default.fileExists(atPath: alertsPath) {
            _ = FileManager.default.createFile(atPath: alertsPath, contents: nil)
        }
        guard let opened = FileHandle(forWritingAtPath: alertsPath) else {
            throw NFRError(.unreadable, file: alertsPath, "cannot open the alerts file")
        }
        _ = try? opened.seekToEnd()
        handle = opened
        self.console = console
        self.jsonOutput = jsonOutput
        self.mail = mail
        self.management = management
        self.analyzer = IDMEFAnalyzer(
            analyzerID: analyzerID, name: "mice-nfr", manufacturer: "M-ICE", model: "NFR backend engine",
            version: "1", analyzerClass: "NIDS")
    }

    deinit {
        try? handle?.close()
    }

    /// Delivers one alert; `mailRules` are the `.acf`'s rule sections.
    public func deliver(_ alert: NFRAlert, mailRules: [String: MailRuleDefinition]) {
        counters.alerts += 1
        let line = alert.jsonLine
        try? handle?.write(contentsOf: Array((line + "\n").utf8))
        jsonOutput?(line)
        if alert.rules.contains("popup") { console("ALERT " + alert.consoleLine) }
        for rule in alert.rules {
            var definition = mailRules[rule]
            if definition == nil, rule == "mail" || rule == "email", let mail, !mail.defaultRecipients.isEmpty {
                definition = MailRuleDefinition(name: rule, recipients: mail.defaultRecipients)
            }
            guard let definition else { continue }
            var queue = queues[rule] ?? NFRMailQueue(rule: definition)
            let batch = queue.add(alert, time: alert.time)
            queues[rule] = queue
            if let batch { send(batch, rule: definition) }
        }
        if let management { spool(alert, to: management) }
    }

    /// Sends the mails whose latency has passed at `time`.
    public func tick(time: Double) {
        // Called for every packet: nothing to do (and nothing allocated) without mail rules.
        for index in queues.values.indices {
            if let batch = queues.values[index].due(time: time) { send(batch, rule: queues.values[index].rule) }
        }
    }

    /// Sends everything queued (end of a replay, shutdown) and flushes the alerts file.
    public func finish() {
        for name in Array(queues.keys) {
            guard var queue = queues[name] else { continue }
            let batch = queue.drain()
            queues[name] = queue
            if let batch { send(batch, rule: queue.rule) }
        }
        try? handle?.synchronize()
    }

    /// The alert as an IDMEF alert.
    public func idmefAlert(_ alert: NFRAlert, messageID: String) -> IDMEFAlert {
        func node(_ address: String?) -> IDMEFNode? {
            address.map {
                IDMEFNode(category: "unknown", addresses: [IDMEFAddress(category: "ipv4-addr", address: $0)])
            }
        }
        let time = IDMEFTime(unixTime: alert.time)
        return IDMEFAlert(
            messageID: messageID, analyzer: analyzer, createTime: time, detectTime: time,
            sources: node(alert.sourceAddress).map { [IDMEFSource(node: $0)] } ?? [],
            targets: node(alert.targetAddress).map { [IDMEFTarget(node: $0)] } ?? [],
            classification: IDMEFClassification(text: alert.alert, ident: alert.alert),
            assessment: IDMEFAssessment(
                impact: IDMEFImpact(severity: IDMEFImpact.Severity(rawValue: alert.severity.idmefSeverity))),
            additionalData: [
                IDMEFAdditionalData(meaning: "backend", value: .string(alert.backend)),
                IDMEFAdditionalData(meaning: "alert_source", value: .string(alert.source)),
                IDMEFAdditionalData(meaning: "message", value: .string(alert.message)),
            ])
    }

    private func spool(_ alert: NFRAlert, to link: BlockingSpooledLink) {
        let xml = Array(IDMEFXMLWriter.document(IDMEFMessage(alerts: [idmefAlert(alert, messageID: nextID())])).utf8)
        guard xml.count <= IdmefMsgFormat.MAX_IDMEFMSGSIZE else {
            counters.idmefFailures += 1
            console("IDMEF document of \(xml.count) bytes too large for CipherIdmefMsg; not sent")
            return
        }
        let record = CipherMsg.plaintext(IdmefMsgFormat(message: xml).encode(computeChecksum: true)).encode()
        do {
            if try link.store([record]) == 1 { counters.idmefSent += 1 } else { counters.idmefFailures += 1 }
        } catch {
            counters.idmefFailures += 1
            console("management link: \(error)")
        }
    }

    private func nextID() -> String {
        defer { nextMessageID += 1 }
        return "nfr-\(Int(Date().timeIntervalSince1970))-\(nextMessageID)"
    }

    private func send(_ batch: [NFRAlert], rule: MailRuleDefinition) {
        guard let mail else {
            counters.mailFailures += 1
            console("mail rule \(rule.name): no SMTP server configured; \(batch.count) alerts not mailed")
            return
        }
        var body = "Subject: [mice-nfr] \(batch.count) alert\(batch.count == 1 ? "" : "s") (\(rule.name))\r\n"
        body += "From: \(mail.from)\r\nTo: \(rule.recipients.joined(separator: ", "))\r\n\r\n"
        for alert in batch { body += alert.consoleLine + "\r\n" }
        do {
            try mail.client.send(from: mail.from, recipients: rule.recipients, message: body)
            counters.mailsSent += 1
            counters.alertsMailed += batch.count
        } catch {
            counters.mailFailures += 1
            console("mail rule \(rule.name): \(error)")
        }
    }
}
