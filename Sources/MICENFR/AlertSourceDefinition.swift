// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An `alert_source` section: who raises an alert.
public struct AlertSourceDefinition: Hashable, Sendable {
    /// The section name (what `alert(_:NAME, ...)` names).
    public var name: String
    /// The short name shown with alerts (defaults to the section name).
    public var shortname: String
    /// The long name.
    public var longname: String?
    /// The line of the section.
    public var line: Int

    init(name: String, body: [AlertConfigScanner.Assignment], path: String) throws(NFRError) {
        self.name = name
        self.shortname = name
        self.line = body.first?.line ?? 0
        for assignment in body {
            switch assignment.key {
            case "shortname": shortname = assignment.text
            case "longname": longname = assignment.text
            default:
                throw NFRError(
                    .unknownName, file: path, line: assignment.line,
                    "unknown alert_source key \(assignment.key) (expected shortname or longname)")
            }
        }
    }
}
