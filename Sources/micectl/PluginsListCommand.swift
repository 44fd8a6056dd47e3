// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICEPluginManifest

/// `micectl plugins list [DIR] [--json]`: one line per valid plugin.
struct PluginsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the plugins of a plugins directory.",
        discussion: """
            Prints a table of the valid plugins (name, kind, version, mode, exec, description), sorted by name. \
            Manifests with errors are left out and counted on standard error; `micectl plugins validate` \
            shows why.
            """
    )

    @OptionGroup var pluginsRoot: PluginsRootArgument

    @Flag(help: "Print one JSON object per plugin and line (every key, defaults filled in) instead of a table.")
    var json = false

    func run() async throws {
        let directory = try pluginsRoot.discover()
        let manifests = directory.manifests.sorted { $0.name < $1.name }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for manifest in manifests {
                let data = try encoder.encode(manifest.jsonValue)
                print(String(decoding: data, as: UTF8.self))
            }
        } else if manifests.isEmpty {
            printError("no plugins in \(directory.root)")
        } else {
            print(Self.table(manifests), terminator: "")
        }
        let invalid = directory.reports.count - directory.manifests.count
        if invalid > 0 {
            printError(
                "\(invalid) manifest\(invalid == 1 ? " has" : "s have") errors and \(invalid == 1 ? "is" : "are")"
                    + " not listed; run: micectl plugins validate \(directory.root)")
        }
    }

    /// The aligned table, header first; the description is the last column and never cut.
    static func table(_ manifests: [PluginManifest]) -> String {
        var rows = [["NAME", "KIND", "VERSION", "MODE", "EXEC", "DESCRIPTION"]]
        for manifest in manifests {
            rows.append([
                manifest.name, manifest.kind.rawValue, manifest.version, manifest.protocol.mode.rawValue,
                manifest.exec.map(shellQuoted).joined(separator: " "), manifest.description,
            ])
        }
        var widths = Array(repeating: 0, count: rows[0].count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        var text = ""
        for row in rows {
            var line = ""
            for (column, cell) in row.enumerated() {
                if column == row.count - 1 {
                    line += cell
                } else {
                    line += cell + String(repeating: " ", count: widths[column] - cell.count + 2)
                }
            }
            text += line + "\n"
        }
        return text
    }

    /// An argv element as a reader would type it: bare when plain, else in single quotes.
    static func shellQuoted(_ argument: String) -> String {
        let plain =
            !argument.isEmpty
            && argument.unicodeScalars.allSatisfy { scalar in
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                    || "@%+=:,./_-".unicodeScalars.contains(scalar)
            }
        if plain { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
