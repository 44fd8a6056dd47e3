// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICEPluginManifest

/// `micectl plugins ...`: show, check and (later) start plugins by hand.
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "Show, check and start the plugins of a plugins directory.",
        discussion: """
            A plugins directory holds one folder per plugin, plugins/<kind>/<name>/plugin.json \
            (docs/plugin-manifest.md). DIR defaults to $MICE_PLUGINS_DIR, or ./plugins when that is not set.
            """,
        subcommands: [PluginsListCommand.self, PluginsValidateCommand.self, PluginsRunCommand.self]
    )
}

/// The plugins root argument shared by the `plugins` subcommands.
struct PluginsRootArgument: ParsableArguments {
    /// The variable that names the plugins root when no DIR is given.
    static let environmentVariable = "MICE_PLUGINS_DIR"
    /// The plugins root when neither DIR nor the variable is given.
    static let defaultRoot = "./plugins"

    @Argument(help: "The plugins directory (default: $MICE_PLUGINS_DIR, else ./plugins).")
    var directory: String?

    /// DIR, else `$MICE_PLUGINS_DIR`, else `./plugins`.
    var root: String {
        if let directory { return directory }
        if let value = ProcessInfo.processInfo.environment[Self.environmentVariable], !value.isEmpty { return value }
        return Self.defaultRoot
    }

    /// Discovers the plugins under ``root``; prints the reason and exits 1 when the root is unusable.
    func discover() throws -> PluginDirectory {
        do {
            return try PluginDirectory.discover(root: root)
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
