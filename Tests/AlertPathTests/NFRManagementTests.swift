// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICETestSupport
import Testing

@Suite("NFR alerts to the management host")
struct NFRManagementTests {
    /// The seed's new_badhosts over the seed capture with --management: its 4 alerts arrive as
    /// IDMEF, become alert_entry rows with source and target, and reach the file agent (RID 3).
    @Test("new_badhosts alerts become alert_entry rows and agent output")
    func newBadhostsAlertsReachTheManagementHost() throws {
        let harness = try AlertPathHarness("nfr")
        let management = try harness.startManagement(alertID: "NEW_BAD_HOST", analyzers: ["mice-nfr"])
        let home = harness.work + "/nfr-home"
        try FileManager.default.copyItem(atPath: TestPaths.repositoryRoot + "/plugins/nfr", toPath: home)
        let capture = harness.work + "/seed.pcap"
        let micectl = TestPaths.binDirectory + "/micectl"
        let written = try runProgram(micectl, ["nfr", "capture", capture])
        #expect(written.status == 0, "\(written.errorText)")
        let run = try runProgram(
            micectl,
            ["nfr", "run", home, "--pcap", capture, "--management", "127.0.0.1:\(try harness.port(of: management))"],
            timeout: 60)
        #expect(run.status == 0, "\(run.errorText)")

        let stored = harness.eventually { harness.alerts().count == 4 }
        #expect(stored, "not 4 alert_entry rows within 60 s:\n\(harness.diagnostics())")
        let rows = harness.alerts()
        #expect(
            rows.allSatisfy { $0.alertID == "NEW_BAD_HOST" },
            "\(rows.map { ($0.alertID, $0.classification, $0.reactions, $0.parseStatus) })")
        #expect(rows.allSatisfy { $0.analyzerID == "mice-nfr" })
        #expect(rows.allSatisfy { $0.source.address == "208.239.113.163" })
        #expect(rows.map(\.target.address) == ["10.0.0.255", "10.0.2.255", "10.0.2.255", "10.0.1.255"])
        #expect(rows.allSatisfy { $0.reactions == [3] && $0.parseStatus == .parsed })
        let agent = harness.eventually {
            let text = (try? String(contentsOfFile: harness.agentOutput, encoding: .utf8)) ?? ""
            return text.components(separatedBy: "AlertID = NEW_BAD_HOST").count == 5
        }
        #expect(agent, "the file agent did not write 4 alerts:\n\(harness.diagnostics())")
    }
}
