// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads `plugin.json` files and validates them against docs/plugin-manifest.md.
///
/// Loading never throws: it returns a ``PluginManifestReport`` holding the manifest (with
/// defaults filled in) when the file is valid, and every error and warning found in it, each
/// naming the file and the key. Use ``PluginDirectory`` to load a whole plugins tree.
///
/// ```swift
/// let report = PluginManifestLoader().load(file: "plugins/filter/regex/plugin.json")
/// for error in report.errors { print(error) }
/// let manifest = try report.get()
/// ```
public struct PluginManifestLoader: Sendable {
    /// The name of a manifest file in a plugin folder.
    public static let manifestFileName = "plugin.json"
    /// Largest manifest accepted, in bytes; larger files are rejected unread.
    public static let maximumFileBytes = 1 << 20

    /// Creates a loader.
    public init() {}

    /// Loads the manifest of a plugin folder, `pluginDirectory/plugin.json`.
    /// - Parameters:
    ///   - pluginDirectory: The plugin folder, absolute or relative to the current directory.
    ///   - displayPath: The name of the manifest file in messages; by default
    ///     `pluginDirectory/plugin.json` as given.
    /// - Returns: The manifest or the errors, and the warnings.
    public func load(pluginDirectory: String, displayPath: String? = nil) -> PluginManifestReport {
        load(file: PathUtilities.display(root: pluginDirectory, Self.manifestFileName), displayPath: displayPath)
    }

    /// Loads one manifest file.
    ///
    /// `name` must equal the name of the folder holding the file. When that folder sits in a
    /// folder named like a kind (`filter/`, `agents/`, ...), `kind` must match it.
    /// - Parameters:
    ///   - file: The path of the `plugin.json`, absolute or relative to the current directory.
    ///   - displayPath: The name of the file in messages; by default `file` as given.
    /// - Returns: The manifest or the errors, and the warnings.
    public func load(file: String, displayPath: String? = nil) -> PluginManifestReport {
        let absolute = PathUtilities.absolute(file)
        let kindFolder = PathUtilities.lastComponent(PathUtilities.parent(PathUtilities.parent(absolute)))
        return load(
            file: file, displayPath: displayPath,
            kindFolder: PluginKind(folderName: kindFolder) != nil ? kindFolder : nil)
    }

    /// Validates manifest bytes that came from `file`; the folder checks (name, kind folder,
    /// `exec[0]` in the folder) use `file`'s location.
    /// - Parameters:
    ///   - bytes: The content of the manifest.
    ///   - file: Where the bytes belong, e.g. `/srv/mice/plugins/filter/regex/plugin.json`.
    ///   - displayPath: The name of the file in messages; by default `file` as given.
    /// - Returns: The manifest or the errors, and the warnings.
    public func load(bytes: [UInt8], file: String, displayPath: String? = nil) -> PluginManifestReport {
        let absolute = PathUtilities.absolute(file)
        let kindFolder = PathUtilities.lastComponent(PathUtilities.parent(PathUtilities.parent(absolute)))
        return validate(
            bytes: bytes, absoluteFile: absolute, display: displayPath ?? file,
            kindFolder: PluginKind(folderName: kindFolder) != nil ? kindFolder : nil)
    }

    // MARK: - Internals shared with PluginDirectory

    /// Loads `file`; `kindFolder` is the kind folder whose kind `kind` must match, or nil for none.
    func load(file: String, displayPath: String?, kindFolder: String?) -> PluginManifestReport {
        let display = displayPath ?? file
        let absolute = PathUtilities.absolute(file)
        switch readFile(absolute, display: display) {
        case .success(let bytes):
            return validate(bytes: bytes, absoluteFile: absolute, display: display, kindFolder: kindFolder)
        case .failure(let error):
            return PluginManifestReport(file: display, manifest: nil, errors: [error])
        }
    }

    private func readFile(_ path: String, display: String) -> Result<[UInt8], PluginManifestError> {
        let fileManager = FileManager.default
        var isDirectory = false
        guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(PluginManifestError(.unreadable, file: display, "no such file"))
        }
        if isDirectory {
            return .failure(PluginManifestError(.unreadable, file: display, "is a directory, not a manifest file"))
        }
        if let size = (try? fileManager.attributesOfItem(atPath: path))?[.size] as? Int, size > Self.maximumFileBytes {
            return .failure(
                PluginManifestError(
                    .unreadable, file: display,
                    "the file has \(size) bytes; a manifest may have at most \(Self.maximumFileBytes)"))
        }
        guard fileManager.isReadableFile(atPath: path), let data = fileManager.contents(atPath: path) else {
            return .failure(
                PluginManifestError(.unreadable, file: display, "cannot read the file (permission denied?)"))
        }
        guard data.count <= Self.maximumFileBytes else {
            return .failure(
                PluginManifestError(
                    .unreadable, file: display,
                    "the file has \(data.count) bytes; a manifest may have at most \(Self.maximumFileBytes)"))
        }
        return .success([UInt8](data))
    }

    private func validate(bytes: [UInt8], absoluteFile: String, display: String, kindFolder: String?)
        -> PluginManifestReport
    {
        var parser = ManifestJSONParser(bytes: bytes)
        let root: JSONValue
        do throws(ManifestJSONParser.Failure) {
            root = try parser.parse()
        } catch {
            let (line, column) = ManifestJSONParser.lineAndColumn(of: error.offset, in: bytes)
            let failure = PluginManifestError(
                .invalidJSON, file: display, "invalid JSON: \(error.message) (byte offset \(error.offset))",
                line: line, column: column, offset: error.offset)
            return PluginManifestReport(file: display, manifest: nil, errors: [failure])
        }
        var errors: [PluginManifestError] = []
        for duplicate in parser.duplicateKeys {
            let (line, column) = ManifestJSONParser.lineAndColumn(of: duplicate.offset, in: bytes)
            errors.append(
                PluginManifestError(
                    .duplicateKey, file: display, key: duplicate.path,
                    "given more than once; each key may occur only once in an object",
                    line: line, column: column, offset: duplicate.offset))
        }
        var decoder = ManifestDecoder(
            file: display, directory: PathUtilities.parent(absoluteFile), kindFolder: kindFolder)
        let manifest = decoder.decode(root)
        errors += decoder.errors
        return PluginManifestReport(file: display, manifest: manifest, errors: errors, warnings: decoder.warnings)
    }
}
