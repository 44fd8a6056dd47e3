// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICEConfig
import MICECore
import MICEPluginManifest

/// Finds the modules a daemon's configuration names among the plugins and reads their
/// configuration files.
///
/// A module is named by its plugin `name` (`mice-flt-regex`) or by an original M-ICE module name
/// the plugin lists in `legacy.names` (`mice_mod_flt_regex`), so an original configuration file
/// works unchanged. Its configuration file is either JSON (`*.json`: an object of option values) or
/// an original module file, translated key by key through the manifest's `legacy.config`
/// (docs/plugin-manifest.md section 6).
public struct ModuleResolver: Sendable {
    /// The plugins root.
    public let pluginsRoot: String
    private let manifests: [String: PluginManifest]

    /// Discovers the plugins under `pluginsRoot`; invalid manifests are logged and left out.
    /// - Throws: ``DaemonError`` with code ``DaemonError/Code/pluginsUnreadable`` when the folder
    ///   cannot be read, and when two plugins claim one original module name.
    public init(pluginsRoot: String, logger: Logger) throws(DaemonError) {
        self.pluginsRoot = pluginsRoot
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: pluginsRoot, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw DaemonError(.pluginsUnreadable, "\(pluginsRoot): no such plugins folder")
        }
        let directory: PluginDirectory
        do {
            directory = try PluginDirectory.discover(root: pluginsRoot)
        } catch {
            throw DaemonError(.pluginsUnreadable, "\(pluginsRoot): \(error)")
        }
        for error in directory.errors { logger.error("plugin manifest left out: \(error)") }
        var byName: [String: PluginManifest] = [:]
        for manifest in directory.manifests { byName[manifest.name] = manifest }
        for manifest in directory.manifests {
            for alias in manifest.legacy.names {
                if let other = byName[alias], other.name != manifest.name {
                    throw DaemonError(
                        .pluginsUnreadable,
                        "\(manifest.file): legacy name \"\(alias)\" is also claimed by \(other.file)")
                }
                byName[alias] = manifest
            }
        }
        self.manifests = byName
    }

    /// The module `name` of kind `kind`, with the option values of `configFile`.
    /// - Parameters:
    ///   - name: a plugin name or an original module name (`legacy.names`).
    ///   - kind: the kind the configuration slot needs (a decoder slot needs a `decoding` plugin).
    ///   - configFile: nil or empty for none; `*.json` for JSON; anything else an original module file.
    /// - Throws: ``DaemonError`` naming the module, the file, and for module files the line and key.
    public func resolve(name: String, kind: PluginKind, configFile: String?) throws(DaemonError) -> ResolvedModule {
        guard let manifest = manifests[name] else {
            let known = manifests.values.filter { $0.kind == kind }.map(\.name)
            throw DaemonError(
                .unknownModule,
                "no valid \(kind.rawValue) plugin named \"\(name)\" in \(pluginsRoot)"
                    + (known.isEmpty ? "" : " (found: \(Set(known).sorted().joined(separator: ", ")))"))
        }
        guard manifest.kind == kind else {
            throw DaemonError(
                .wrongKind,
                "module \"\(name)\" (\(manifest.file)) is a \(manifest.kind.rawValue) plugin, not \(kind.rawValue)")
        }
        guard let configFile, !configFile.isEmpty else { return ResolvedModule(manifest: manifest, configuration: [:]) }
        let values =
            configFile.hasSuffix(".json")
            ? try Self.jsonValues(configFile)
            : try Self.legacyValues(configFile, manifest: manifest)
        let problems = manifest.configurationProblems(values)
        if !problems.isEmpty {
            throw DaemonError(.moduleConfig, "\(configFile): " + problems.joined(separator: "; "))
        }
        return ResolvedModule(manifest: manifest, configuration: values)
    }

    private static func jsonValues(_ path: String) throws(DaemonError) -> [String: JSONValue] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DaemonError(.moduleConfig, "\(path): cannot read: \(error)")
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw DaemonError(.moduleConfig, "\(path): not valid JSON: \(error)")
        }
        guard let object = value.objectValue else {
            throw DaemonError(.moduleConfig, "\(path): must hold a JSON object of option values")
        }
        return object
    }

    /// Translates an original module configuration file through `legacy.config`.
    static func legacyValues(_ path: String, manifest: PluginManifest) throws(DaemonError) -> [String: JSONValue] {
        let document: ConfigDocument
        do {
            document = try ConfigDocument.load(path: path)
        } catch {
            throw DaemonError(.moduleConfig, "\(error)")
        }
        var values: [String: JSONValue] = [:]
        for section in document.sections {
            for entry in section.entries {
                if manifest.legacy.ignoredConfig.contains(where: { $0.uppercased() == entry.canonicalKey }) { continue }
                let mapping = manifest.legacy.config.first { $0.key.uppercased() == entry.canonicalKey }
                guard let (_, option) = mapping, let spec = manifest.options[option] else {
                    let known = (Array(manifest.legacy.config.keys) + manifest.legacy.ignoredConfig).sorted()
                        .joined(separator: ", ")
                    throw DaemonError(
                        .moduleConfig,
                        "\(path):\(entry.line): [\(section.name)] key \"\(entry.key)\": not a key of module "
                            + "\(manifest.name) (known: \(known.isEmpty ? "none" : known))")
                }
                for value in entry.values {
                    let converted = try convert(value, to: spec.type, path: path, key: entry.key)
                    if spec.type == .array {
                        values[option] = .array((values[option]?.arrayValue ?? []) + [converted])
                    } else {
                        values[option] = converted
                    }
                }
            }
        }
        return values
    }

    private static func convert(
        _ value: ConfigDocument.Value, to type: OptionSpec.ValueType, path: String, key: String
    ) throws(DaemonError) -> JSONValue {
        let text = value.text
        func bad(_ expected: String) -> DaemonError {
            DaemonError(.moduleConfig, "\(path):\(value.line): key \"\(key)\": expected \(expected), found \"\(text)\"")
        }
        switch type {
        case .string, .array:
            return .string(text)
        case .integer:
            guard let number = Int64(text.trimmingCharacters(in: .whitespaces)) else { throw bad("an integer") }
            return .int(number)
        case .number:
            guard let number = Double(text.trimmingCharacters(in: .whitespaces)) else { throw bad("a number") }
            return .double(number)
        case .boolean:
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "yes", "y", "true", "t", "1", "on": return .bool(true)
            case "no", "n", "false", "f", "0", "off": return .bool(false)
            default: throw bad("yes or no")
            }
        case .object:
            throw DaemonError(
                .moduleConfig, "\(path):\(value.line): key \"\(key)\": an object option cannot come from a module file")
        }
    }
}
