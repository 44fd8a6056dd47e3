// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICENFR

/// `micectl nfr alerts`: the alerts kept for the networklist and popup rules.
struct NFRAlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List the alerts the NFR engine let out (networklist/popup), oldest first.")

    @Option(name: .long, help: "The NFR home folder.")
    var home = "."

    @Option(name: .long, help: "Only alerts of this rule (networklist, popup or a mail rule's name).")
    var rule: String?

    @Flag(name: .long, help: "One JSON object per line.")
    var json = false

    func run() throws {
        let alerts = try NFRAlertLog.read(home: home)
        var out = ""
        for alert in alerts where rule.map({ alert.rules.contains($0) }) ?? true {
            out += (json ? alert.jsonLine : alert.consoleLine) + "\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
