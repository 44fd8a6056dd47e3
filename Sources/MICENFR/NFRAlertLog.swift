// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// Reads `<home>/alerts/alerts.jsonl`, the alerts an engine let out.
public enum NFRAlertLog {
    /// The alerts, oldest first; a line that does not decode is an error naming it.
    public static func read(home: String) throws(NFRError) -> [NFRAlert] {
        let path = home + "/alerts/alerts.jsonl"
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let text = try NFRFiles.readText(path)
        var alerts: [NFRAlert] = []
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        for (index, line) in text.split(separator: "\n").enumerated() {
            do {
                alerts.append(try decoder.decode(NFRAlert.self, from: Data(line.utf8)))
            } catch {
                throw NFRError(.badData, file: path, line: index + 1, "not an alert: \(error)")
            }
        }
        return alerts
    }
}
