// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// How we run prelude-lml over a syslog file in batch mode, to compare with it (the analysis
/// benchmark and the compatibility test use the same configuration and arguments).
public enum PreludeLMLBatch {
    /// The program's usual place.
    public static let defaultProgram = "/usr/bin/prelude-lml"

    /// A configuration reading `logPath` as syslog (time, host, process[pid]) through `ruleset`.
    public static func configuration(logPath: String, ruleset: String) -> String {
        """
        [format=syslog]
        time-format = "%b %d %H:%M:%S"
        prefix-regex = "^(?P<timestamp>.{15}) (?P<hostname>\\S+) (?:(?P<process>\\S+?)(?:\\[(?P<pid>[0-9]+)\\])?: )?"
        file = \(logPath)

        [Pcre]
        ruleset = \(ruleset)

        """
    }

    /// Arguments for one pass over the file from its head, sending nothing, resolving no names;
    /// `textOutput`: where to print every alert, if anywhere.
    public static func arguments(configuration path: String, textOutput: String? = nil) -> [String] {
        ["--batch-mode", "--dry-run", "--metadata=head,nowrite", "--no-resolve", "--config", path]
            + (textOutput.map { ["--text-output=\($0)"] } ?? [])
    }
}
