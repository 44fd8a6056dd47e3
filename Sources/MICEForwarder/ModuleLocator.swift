// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICECore
import MICEPluginManifest

/// Finds the modules named in dataforwarder.conf under the plugins folder.
///
/// A name is a plugin name (`mice-fmt-simple`) or an original module name (`mice_mod_fmt_simple`,
/// with or without `lib`/`.so`), which maps to the plugin `mice-fmt-simple`. A module configuration
/// file ending in `.json` holds a JSON object of option values; other (original parsecfg) files are
/// not translated yet and are ignored with a warning.
struct ModuleLocator {
    /// A module ready to be started.
    struct Module {
        var manifest: PluginManifest
        var configuration: [String: JSONValue]
    }

    let directory: PluginDirectory
    let logger: Logger

    init(pluginsRoot: String, logger: Logger) throws(ForwarderError) {
        do {
            directory = try PluginDirectory.discover(root: pluginsRoot)
        } catch {
            throw ForwarderError(.module, subject: pluginsRoot, "\(error)")
        }
        for error in directory.errors {
            logger.warning("invalid plugin manifest skipped", metadata: ["plugin.error": "\(error)"])
        }
        self.logger = logger
    }

    func resolve(name: String, kind: PluginKind, configFile: String?) throws(ForwarderError) -> Module {
        let candidates = [name, Self.pluginName(original: name)]
        guard let manifest = candidates.lazy.compactMap({ directory.manifest(named: $0) }).first else {
            throw ForwarderError(.module, subject: name, "no plugin of that name under \(directory.root)")
        }
        guard manifest.kind == kind else {
            throw ForwarderError(.module, subject: name, "is a \(manifest.kind) module, a \(kind) module is needed")
        }
        var configuration: [String: JSONValue] = [:]
        if let configFile, !configFile.isEmpty {
            if configFile.hasSuffix(".json") {
                guard let data = FileManager.default.contents(atPath: configFile) else {
                    throw ForwarderError(.configuration, subject: configFile, "cannot read the module configuration")
                }
                do {
                    guard let object = try JSONDecoder().decode(JSONValue.self, from: data).objectValue else {
                        throw ForwarderError(.configuration, subject: configFile, "not a JSON object")
                    }
                    configuration = object
                } catch let error as ForwarderError {
                    throw error
                } catch {
                    throw ForwarderError(.configuration, subject: configFile, "not valid JSON: \(error)")
                }
            } else {
                logger.warning(
                    "original module configuration files are not translated yet; using the plugin's defaults",
                    metadata: ["module.name": "\(name)", "module.config": "\(configFile)"])
            }
        }
        for problem in manifest.configurationProblems(configuration) {
            throw ForwarderError(.configuration, subject: configFile ?? name, "\(problem)")
        }
        return Module(manifest: manifest, configuration: configuration)
    }

    /// `mice_mod_fmt_simple`, `libmice_mod_fmt_simple.so` → `mice-fmt-simple`.
    static func pluginName(original: String) -> String {
        var name = original
        if name.hasSuffix(".so") { name.removeLast(3) }
        if name.hasPrefix("lib") { name.removeFirst(3) }
        if name.hasPrefix("mice_mod_") { name = "mice_" + name.dropFirst("mice_mod_".count) }
        return name.replacingOccurrences(of: "_", with: "-")
    }
}
