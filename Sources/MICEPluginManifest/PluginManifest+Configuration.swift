// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

extension PluginManifest {
    /// Checks an operator's configuration values against ``options`` before they are sent.
    ///
    /// - Parameter values: The operator's values, by option name (what ``effectiveConfig(_:)`` overlays).
    /// - Returns: One message per problem, sorted by option name, each naming the option: a value of
    ///   the wrong type, a `required` option without a value, or a name the manifest does not
    ///   declare. Empty when the configuration fits.
    public func configurationProblems(_ values: [String: JSONValue]) -> [String] {
        var problems: [(String, String)] = []
        for (name, value) in values {
            guard let spec = options[name] else {
                problems.append((name, "option \"\(name)\": not an option of plugin \(self.name)"))
                continue
            }
            if !spec.type.matches(value) {
                problems.append(
                    (name, "option \"\(name)\": expected \(spec.type.phrase), found \(ManifestDecoder.describe(value))")
                )
            }
        }
        for (name, spec) in options where spec.required && values[name] == nil {
            problems.append((name, "option \"\(name)\": required, but no value is given"))
        }
        return problems.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
