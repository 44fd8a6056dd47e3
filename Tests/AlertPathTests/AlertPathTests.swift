// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICETestSupport
import Testing

@Suite("Alert path: log line → DataForwarder → analysis (mice-pop-aa-regex) → management host", .serialized)
struct AlertPathTests {
    /// Five sshd password failures from one address within a minute reach the shipped rule's
    /// threshold: exactly one alert ("SSH password guessing") arrives in alert_entry and the file
    /// agent writes it; the four events below the threshold give no alert.
    @Test("sshd password failures appended to a watched log become one alert_entry row and a file agent line")
    func sshdFailuresBecomeAnAlert() throws {
        let harness = try AlertPathHarness("sshd")
        let management = try harness.startManagement(alertID: "SSH password guessing")
        let analysis = try harness.startAnalysis(managementPort: try harness.port(of: management))
        _ = try harness.startForwarder(analysisPort: try harness.port(of: analysis))

        let start = Date()
        try harness.append(
            (0..<5).map { index in
                "Nov 23 22:00:0\(index) web1 sshd[4242]: Failed password for root from 192.0.2.7 port "
                    + "\(40000 + index) ssh2"
            } + ["Nov 23 22:00:09 web1 CRON[77]: (root) CMD (run-parts /etc/cron.hourly)"])

        let stored = harness.eventually { !harness.alerts().isEmpty }
        #expect(stored, "no alert_entry row within 60 s:\n\(harness.diagnostics())")
        let latency = Date().timeIntervalSince(start)
        let row = try #require(harness.alerts().first)
        #expect(row.classification == "SSH password guessing")
        #expect(row.alertID == "SSH password guessing")
        #expect(row.analyzerID == "MICE-RegEx")
        #expect(row.source.address == "192.0.2.7")
        #expect(row.target.user == "root")
        #expect(row.reactions == [3])
        #expect(row.parseStatus == .parsed)
        #expect(row.idmefMessage.contains("Failed password for root from 192.0.2.7"))

        let written = harness.eventually {
            let text = (try? String(contentsOfFile: harness.agentOutput, encoding: .utf8)) ?? ""
            return text.contains("AlertID = SSH password guessing")
        }
        #expect(written, "the file agent wrote nothing:\n\(harness.diagnostics())")
        let text = try String(contentsOfFile: harness.agentOutput, encoding: .utf8)
        #expect(text.components(separatedBy: "AlertID = SSH password guessing").count == 2)
        #expect(text.contains("192.0.2.7"))

        // Nothing else arrives: the four threshold events and the cron line are no alerts.
        let analysisStats = harness.work + "/analysis.stats"
        let allStored = harness.eventually(seconds: 30) {
            guard let data = FileManager.default.contents(atPath: analysisStats),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let entries = object["entries"] as? [[String: Any]]
            else { return false }
            return entries.first?["stored"] as? Int == 6
        }
        #expect(allStored, "the analysis BufferDaemon did not store all 6 lines:\n\(harness.diagnostics())")
        #expect(harness.alerts().count == 1)
        print("alert path: 6 lines → 1 alert_entry row in \(String(format: "%.2f", latency)) s")
    }

    /// The management host starts only after the alert was made: the analysis BufferDaemon has
    /// already stored (replied for) every line, so the alert was in mice-pop-aa-regex's disk spool;
    /// it arrives, Twofish-encrypted, once the management host is up.
    @Test("an alert made while the management host is down waits in the spool and arrives encrypted later")
    func managementHostStartsLater() throws {
        let harness = try AlertPathHarness("late")
        let managementPort = try AlertPathHarness.freePort()
        let analysis = try harness.startAnalysis(managementPort: managementPort, key: "ChangeMe :-P")
        _ = try harness.startForwarder(analysisPort: try harness.port(of: analysis))
        try harness.append(
            (0..<5).map { "Nov 23 23:00:0\($0) db1 sshd[7]: Failed password for admin from 192.0.2.7 port 5\($0) ssh2" }
        )

        let analysisStats = harness.work + "/analysis.stats"
        let replied = harness.eventually {
            guard let data = FileManager.default.contents(atPath: analysisStats),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let entries = object["entries"] as? [[String: Any]]
            else { return false }
            return entries.first?["stored"] as? Int == 5
        }
        #expect(replied, "the analysis BufferDaemon did not store the 5 lines:\n\(harness.diagnostics())")
        let spool = harness.work + "/analysis-state/modules/mice-pop-aa-regex/spool/management"
        let spoolFiles = (try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []
        #expect(!spoolFiles.isEmpty, "no spool in \(spool)")

        _ = try harness.startManagement(alertID: "SSH password guessing", port: managementPort, key: "ChangeMe :-P")
        let stored = harness.eventually { !harness.alerts().isEmpty }
        #expect(stored, "the spooled alert never arrived:\n\(harness.diagnostics())")
        let rows = harness.alerts()
        #expect(rows.count == 1)
        #expect(rows.first?.source.address == "192.0.2.7")
        #expect(rows.first?.target.user == "admin")
        #expect(rows.first?.reactions == [3])
    }
}
