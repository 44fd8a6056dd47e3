// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Every plugin under a plugins root, as found by ``discover(root:loader:)``.
///
/// The layout is `ROOT/<kind>/<name>/plugin.json` (kind folders `format`, `filter`,
/// `pseudonymizer`, `decoding`, `postprocessing`, `reaction`, `agents`) or, flat,
/// `ROOT/<name>/plugin.json`. Dropping a folder in is all it takes to add a plugin.
public struct PluginDirectory: Hashable, Sendable {
    /// The plugins root as the caller named it.
    public var root: String
    /// One report per `plugin.json` found, sorted by path.
    public var reports: [PluginManifestReport]
    /// Warnings about folders rather than manifests (a plugin folder without `plugin.json`).
    public var folderWarnings: [PluginManifestWarning]

    /// Creates a directory listing from reports already made.
    public init(root: String, reports: [PluginManifestReport], folderWarnings: [PluginManifestWarning] = []) {
        self.root = root
        self.reports = reports
        self.folderWarnings = folderWarnings
    }

    /// The valid manifests, sorted by path.
    public var manifests: [PluginManifest] { reports.compactMap(\.manifest) }

    /// Every error of every manifest.
    public var errors: [PluginManifestError] { reports.flatMap(\.errors) }

    /// Every warning: folder warnings first, then those of each manifest.
    public var warnings: [PluginManifestWarning] { folderWarnings + reports.flatMap(\.warnings) }

    /// Whether every manifest found is valid (warnings allowed). True for a root with no plugins.
    public var isValid: Bool { reports.allSatisfy(\.isValid) }

    /// The valid manifest called `name`, if any.
    /// - Parameter name: The plugin's `name` (the folder name).
    /// - Returns: nil when no valid manifest has that name.
    public func manifest(named name: String) -> PluginManifest? {
        manifests.first { $0.name == name }
    }

    /// Finds and loads every `plugin.json` under `root`.
    ///
    /// Looks at `ROOT/*/plugin.json` and, in folders without one, at `ROOT/*/*/plugin.json`;
    /// names starting with `.` are skipped. When `ROOT/plugin.json` exists, `root` is taken as a
    /// single plugin folder. A manifest two levels down must sit in a kind folder whose kind it
    /// declares; one level down, it must declare the root's kind when the root is a kind folder
    /// (`micectl plugins validate plugins/filter`). Two manifests with one `name` are an error on
    /// the second (by path).
    /// - Parameters:
    ///   - root: The plugins root, absolute or relative to the current directory. Messages name
    ///     files below it as `root/...` (a leading `./` dropped).
    ///   - loader: The loader to use.
    /// - Returns: A report per manifest; problems of single manifests never throw.
    /// - Throws: ``PluginManifestError`` with code ``PluginManifestError/Code/unreadable`` when
    ///   `root` is not a readable directory.
    public static func discover(
        root: String, loader: PluginManifestLoader = PluginManifestLoader()
    ) throws(PluginManifestError) -> PluginDirectory {
        let absoluteRoot = PathUtilities.absolute(root)
        let rootDisplay = PathUtilities.display(root: root, "")
        guard PathUtilities.isDirectory(absoluteRoot) else {
            let exists = FileManager.default.fileExists(atPath: absoluteRoot)
            throw PluginManifestError(.unreadable, file: rootDisplay, exists ? "not a directory" : "no such directory")
        }
        let manifestName = PluginManifestLoader.manifestFileName
        if FileManager.default.fileExists(atPath: PathUtilities.join(absoluteRoot, manifestName)) {
            let report = loader.load(
                file: PathUtilities.join(absoluteRoot, manifestName),
                displayPath: PathUtilities.display(root: root, manifestName))
            return PluginDirectory(root: root, reports: [report])
        }
        guard let entries = subfolders(of: absoluteRoot) else {
            throw PluginManifestError(.unreadable, file: rootDisplay, "cannot list the directory")
        }

        var reports: [PluginManifestReport] = []
        var folderWarnings: [PluginManifestWarning] = []
        for entry in entries {
            let folder = PathUtilities.join(absoluteRoot, entry)
            let folderManifest = PathUtilities.join(folder, manifestName)
            if FileManager.default.fileExists(atPath: folderManifest) {
                // Flat layout: the kind rule applies when the root itself is a kind folder.
                reports.append(
                    loader.load(
                        file: folderManifest,
                        displayPath: PathUtilities.display(root: root, entry + "/" + manifestName)))
                continue
            }
            guard let children = subfolders(of: folder) else {
                let error = PluginManifestError(
                    .unreadable, file: PathUtilities.display(root: root, entry), "cannot list the directory")
                reports.append(PluginManifestReport(file: error.file, manifest: nil, errors: [error]))
                continue
            }
            let isKindFolder = PluginKind(folderName: entry) != nil
            for child in children {
                let relative = entry + "/" + child
                let childManifest = PathUtilities.join(PathUtilities.join(folder, child), manifestName)
                guard FileManager.default.fileExists(atPath: childManifest) else {
                    if isKindFolder {
                        folderWarnings.append(
                            PluginManifestWarning(
                                .folderWithoutManifest, file: PathUtilities.display(root: root, relative),
                                "this folder has no \(manifestName); it is not a plugin and is skipped"))
                    }
                    continue
                }
                let display = PathUtilities.display(root: root, relative + "/" + manifestName)
                var report = loader.load(
                    file: childManifest, displayPath: display, kindFolder: isKindFolder ? entry : nil)
                if !isKindFolder {
                    let kinds = PluginKind.allCases.map { $0.folderName + "/" }.joined(separator: ", ")
                    report = PluginManifestReport(
                        file: report.file, manifest: nil,
                        errors: [
                            PluginManifestError(
                                .layout, file: display,
                                "\"\(entry)/\" is not a kind folder: a plugin folder goes directly in the plugins"
                                    + " root or in one of \(kinds)")
                        ] + report.errors,
                        warnings: report.warnings)
                }
                reports.append(report)
            }
        }
        reports.sort { $0.file < $1.file }
        return PluginDirectory(root: root, reports: rejectDuplicateNames(reports), folderWarnings: folderWarnings)
    }

    /// Non-hidden subfolders of `path` (following symbolic links), sorted; nil when unreadable.
    private static func subfolders(of path: String) -> [String]? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return nil }
        return names.filter { !$0.hasPrefix(".") && PathUtilities.isDirectory(PathUtilities.join(path, $0)) }.sorted()
    }

    /// Marks every manifest whose name an earlier one already has as invalid.
    private static func rejectDuplicateNames(_ reports: [PluginManifestReport]) -> [PluginManifestReport] {
        var firstFile: [String: String] = [:]
        return reports.map { report in
            guard let manifest = report.manifest else { return report }
            if let other = firstFile[manifest.name] {
                let error = PluginManifestError(
                    .duplicateName, file: report.file, key: "name",
                    "plugin name \"\(manifest.name)\" is already used by \(other); names must be unique")
                return PluginManifestReport(
                    file: report.file, manifest: nil, errors: report.errors + [error], warnings: report.warnings)
            }
            firstFile[manifest.name] = report.file
            return report
        }
    }
}
