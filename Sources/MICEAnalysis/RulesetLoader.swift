// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Loads a ruleset in whichever of the three formats `path` holds.
public enum RulesetLoader {
    /// Detects the format: a directory with `pcre.rules` or a file with `regex=` directives is
    /// prelude-lml; a file with `[rule NAME]` sections (or a directory of them) is the M-ICE
    /// format; a file with the original sections (`[AUTH]`, `[HOST_INFO]`, …) is aa_regex.
    public static func load(path: String) throws(AnalysisError) -> Ruleset {
        if RuleFiles.isDirectory(path) {
            if RuleFiles.exists(path + "/pcre.rules") {
                return try PreludeRulesetLoader.load(path: path + "/pcre.rules")
            }
            return try MICERulesetLoader.load(path: path)
        }
        let text = try RuleFiles.read(path)
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingSpacesSubstring()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if trimmed.hasPrefix("[rule ") { return try MICERulesetLoader.load(path: path) }
            if trimmed.hasPrefix("[") { return try OriginalRulesetLoader.parse(text, file: path) }
            if trimmed.hasPrefix("regex") || trimmed.hasPrefix("include") {
                return try PreludeRulesetLoader.load(path: path)
            }
            break
        }
        throw AnalysisError(.unknownFormat, file: path, line: 0, "not a known ruleset format")
    }
}
