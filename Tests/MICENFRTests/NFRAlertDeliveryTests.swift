// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICEIDMEF
import MICENFR
import MICETestSupport
import Testing

@Suite struct NFRAlertDeliveryTests {
    static func alert(_ index: Int, time: Double, rules: [String]) -> NFRAlert {
        NFRAlert(
            time: time, backend: "id/new_badhosts", source: "NEW_BAD_HOST_BACKEND", alert: "NEW_BAD_HOST",
            severity: .attack, message: "208.239.113.163 attempted to contact 10.0.0.255: ICMP #\(index)",
            arguments: ["208.239.113.163", "10.0.0.255", "ICMP #\(index)"], sourceAddress: "208.239.113.163",
            targetAddress: "10.0.0.255", rules: rules)
    }

    /// ncode-notes T20: batch 3, latency 60 s, 7 alerts over 10 s.
    @Test func mailQueueFlushesOnBatchOrLatencyWhicheverFirst() {
        var queue = NFRMailQueue(rule: MailRuleDefinition(name: "m", recipients: ["a@b"], latencySeconds: 60, batch: 3))
        var sent: [(Double, Int)] = []
        for index in 0..<7 {
            let time = Double(index) * 10 / 6
            if let batch = queue.add(Self.alert(index, time: time, rules: ["m"]), time: time) {
                sent.append((time, batch.count))
            }
            if let batch = queue.due(time: time) { sent.append((time, batch.count)) }
        }
        #expect(sent.map(\.1) == [3, 3])
        #expect(sent.map(\.0) == [Double(2) * 10 / 6, Double(5) * 10 / 6])
        #expect(queue.due(time: 10 + 59.9) == nil)
        #expect(queue.due(time: 10 + 60)?.count == 1)
        #expect(queue.drain() == nil)
    }

    @Test func dispatcherKeepsAlertsMailsThroughARealSMTPServerAndWritesValidJSON() async throws {
        let scratch = try Scratch("nfr-alerts")
        defer { scratch.remove() }
        let sink = try await SMTPSink(scratch: scratch)
        var consoleLines: [String] = []
        var jsonLines: [String] = []
        let dispatcher = try NFRAlertDispatcher(
            home: scratch.path, console: { consoleLines.append($0) }, jsonOutput: { jsonLines.append($0) },
            mail: .init(
                client: SMTPClient(host: "127.0.0.1", port: sink.port, heloName: "nfr.test", timeoutSeconds: 10),
                from: "nfr@example.org", defaultRecipients: ["soc@example.org"]),
            management: nil)
        let rules = [
            "Email_Me": MailRuleDefinition(
                name: "Email_Me", recipients: ["me@example.org"], latencySeconds: 15, batch: 2)
        ]
        for index in 0..<5 {
            dispatcher.deliver(
                Self.alert(index, time: Double(index), rules: ["networklist", "popup", "Email_Me"]), mailRules: rules)
        }
        #expect(sink.mails.count == 2)
        dispatcher.tick(time: 4 + 14)
        #expect(sink.mails.count == 2)
        dispatcher.tick(time: 4 + 15)
        #expect(sink.mails.count == 3)
        dispatcher.finish()
        #expect(dispatcher.counters.mailsSent == 3)
        #expect(dispatcher.counters.alertsMailed == 5)
        #expect(sink.mails[0].contains("X-Envelope-To: <me@example.org>"))
        #expect(
            sink.mails[0].contains("NEW_BAD_HOST [SEV_ATTACK] 208.239.113.163 attempted to contact 10.0.0.255: ICMP #0")
        )
        #expect(consoleLines.filter { $0.hasPrefix("ALERT ") }.count == 5)
        #expect(jsonLines.count == 5)
        let stored = try String(contentsOfFile: dispatcher.alertsPath, encoding: .utf8).split(separator: "\n")
        #expect(stored.count == 5)
        for line in stored {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["alert"] as? String == "NEW_BAD_HOST")
            #expect(object["source_address"] as? String == "208.239.113.163")
        }
        let idmef = dispatcher.idmefAlert(Self.alert(0, time: 893_954_759, rules: []), messageID: "1")
        #expect(idmef.sources.first?.node?.addresses.first?.address == "208.239.113.163")
        #expect(idmef.assessment?.impact?.severity == .high)
        let dtd = TestPaths.repositoryRoot + "/.cache/idmef/idmef-message.dtd"
        let xmlPath = scratch.path + "/alert.xml"
        try IDMEFXMLWriter.document(IDMEFMessage(alerts: [idmef])).write(
            toFile: xmlPath, atomically: true, encoding: .utf8)
        let lint = try runProgram("/usr/bin/xmllint", ["--noout", "--dtdvalid", dtd, xmlPath])
        #expect(lint.status == 0, "\(lint.errorText)")
    }
}
