// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICECore
import MICEPluginManifest

/// Finds the plugin of a DEC_MOD / POP_MOD name and reads its DEC_FILE / POP_FILE.
///
/// Stand-in for MICEDaemon's `ModuleResolver` (same shape) until that lands: a name is a plugin
/// name; a module file is empty (no options) or a `*.json` file holding a JSON object of option values.
struct ModuleLookup: Sendable {
    /// A plugin and the operator's option values for it.
    struct Resolved: Sendable {
        var manifest: PluginManifest
        var configuration: [String: JSONValue]
    }

    let directory: PluginDirectory

    init(pluginsRoot: String, logger: Logger) throws(BufferDaemonError) {
        do {
            directory = try PluginDirectory.discover(root: pluginsRoot)
        } catch {
            throw BufferDaemonError(.unknownModule, file: pluginsRoot, "cannot read the plugins folder: \(error)")
        }
        for problem in directory.errors {
            logger.warning("invalid plugin manifest skipped: \(problem)")
        }
    }

    func resolve(name: String, kind: PluginKind, configFile: String?) throws(BufferDaemonError) -> Resolved {
        guard let manifest = directory.manifest(named: name) else {
            let known = directory.manifests.filter { $0.kind == kind }.map(\.name).sorted().joined(separator: ", ")
            throw BufferDaemonError(
                .unknownModule, "no \(kind) plugin \"\(name)\" in \(directory.root) (found: \(known))")
        }
        guard manifest.kind == kind else {
            throw BufferDaemonError(.wrongModuleKind, "\(name) is a \(manifest.kind) plugin, not \(kind)")
        }
        guard let configFile, !configFile.isEmpty else { return Resolved(manifest: manifest, configuration: [:]) }
        guard configFile.hasSuffix(".json") else {
            throw BufferDaemonError(
                .moduleConfiguration, file: configFile, "only JSON module files (*.json) are supported yet")
        }
        let configuration: [String: JSONValue]
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: configFile))
            configuration = try JSONDecoder().decode([String: JSONValue].self, from: data)
        } catch {
            throw BufferDaemonError(.moduleConfiguration, file: configFile, "not a JSON object of options: \(error)")
        }
        let problems = manifest.configurationProblems(configuration)
        guard problems.isEmpty else {
            throw BufferDaemonError(.moduleConfiguration, file: configFile, problems.joined(separator: "; "))
        }
        return Resolved(manifest: manifest, configuration: configuration)
    }
}
