// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEPluginManifest
import Testing

@Suite("Plugin discovery")
struct PluginDirectoryTests {
    @Test("the valid fixture root: every plugin found, two warnings, valid")
    func validRoot() throws {
        let root = ManifestTestSupport.fixtures + "/valid"
        let directory = try PluginDirectory.discover(root: root)
        #expect(directory.isValid)
        #expect(directory.errors.isEmpty)
        #expect(
            directory.reports.map(\.file)
                == [
                    "agents/syslog", "filter/dedupe", "filter/drop-debug", "filter/regex", "minimal",
                    "reaction/unknown-key-warning",
                ].map { root + "/" + $0 + "/plugin.json" })
        #expect(
            directory.manifests.map(\.name) == [
                "syslog", "dedupe", "drop-debug", "regex", "minimal", "unknown-key-warning",
            ])
        #expect(directory.warnings.count == 2)
        #expect(directory.manifest(named: "syslog")?.kind == .agent)
        #expect(directory.manifest(named: "regex")?.directory == root + "/filter/regex")
        #expect(directory.manifest(named: "nope") == nil)
    }

    @Test("the invalid fixture root: every scenario reported, duplicates and stray folders caught")
    func invalidRoot() throws {
        let root = ManifestTestSupport.fixtures + "/invalid"
        let directory = try PluginDirectory.discover(root: root)
        #expect(!directory.isValid)
        #expect(directory.manifests.map(\.name) == ["duplicate-name"])
        #expect(directory.manifest(named: "duplicate-name")?.kind == .filter)
        #expect(directory.reports.count == 17)
        for report in directory.reports where report.file != root + "/filter/duplicate-name/plugin.json" {
            #expect(!report.errors.isEmpty, "\(report.file)")
            #expect(report.errors.allSatisfy { $0.file == report.file && $0.description.hasPrefix(report.file) })
        }
        let duplicate = try #require(
            directory.reports.first { $0.file.hasSuffix("/reaction/duplicate-name/plugin.json") })
        #expect(duplicate.errors.map(\.code) == [.duplicateName])
        #expect(duplicate.errors.first?.key == "name")
        #expect(duplicate.errors.first?.message.contains(root + "/filter/duplicate-name/plugin.json") == true)
        let stray = try #require(directory.reports.first { $0.file.hasSuffix("/unsorted/stray/plugin.json") })
        #expect(stray.errors.map(\.code) == [.layout])
        #expect(stray.errors.first?.message.contains("\"unsorted/\" is not a kind folder") == true)
    }

    @Test("messages name files the way the root was given, without a leading ./")
    func displayPaths() throws {
        // Relative to the current directory, which the tests must not change (they run in parallel).
        let root =
            "./"
            + relativePath(
                from: FileManager.default.currentDirectoryPath, to: ManifestTestSupport.fixtures + "/invalid") + "/"
        let shown = String(root.dropFirst(2).dropLast())
        let directory = try PluginDirectory.discover(root: root)
        let wrongType = try #require(directory.reports.first { $0.file == shown + "/wrong-type/plugin.json" })
        #expect(
            wrongType.errors.first?.description.hasPrefix(
                shown + "/wrong-type/plugin.json: key \"timeouts.startSeconds\": expected a number, found a string")
                == true)
        #expect(directory.root == root)
    }

    private func relativePath(from base: String, to target: String) -> String {
        let baseParts = base.split(separator: "/")
        let targetParts = target.split(separator: "/")
        var common = 0
        while common < min(baseParts.count, targetParts.count), baseParts[common] == targetParts[common] {
            common += 1
        }
        let up = Array(repeating: "..", count: baseParts.count - common)
        return (up + targetParts[common...].map(String.init)).joined(separator: "/")
    }

    @Test("a root that holds plugin.json is one plugin folder")
    func singlePluginRoot() throws {
        let directory = try PluginDirectory.discover(root: ManifestTestSupport.fixtures + "/valid/filter/regex")
        #expect(directory.reports.count == 1)
        #expect(directory.manifests.first?.name == "regex")
        let mismatch = try PluginDirectory.discover(
            root: ManifestTestSupport.fixtures + "/invalid/filter/kind-folder-mismatch")
        #expect(mismatch.errors.map(\.code) == [.layout])
    }

    @Test("a missing root or a file as root throws an unreadable error")
    func badRoot() throws {
        let missing = #expect(throws: PluginManifestError.self) {
            try PluginDirectory.discover(root: "/nonexistent-mice/plugins")
        }
        #expect(missing?.code == .unreadable)
        #expect(missing?.description == "/nonexistent-mice/plugins: no such directory")
        let file = #expect(throws: PluginManifestError.self) {
            try PluginDirectory.discover(root: ManifestTestSupport.fixtures + "/valid/minimal/plugin.json")
        }
        #expect(file?.message == "not a directory")
    }

    @Test("hidden folders are skipped; a kind folder's subfolder without plugin.json is a warning")
    func hiddenAndEmptyFolders() throws {
        try ManifestTestSupport.withTemporaryDirectory { root throws in
            let manifest = #"{"name": "x", "kind": "filter", "version": "1", "description": "d", "exec": ["@bin/x"]}"#
            ManifestTestSupport.write(manifest, to: root + "/filter/x/plugin.json")
            ManifestTestSupport.write("{", to: root + "/.git/y/plugin.json")
            ManifestTestSupport.write("{", to: root + "/filter/.cache/plugin.json")
            try FileManager.default.createDirectory(
                atPath: root + "/filter/half-done", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: root + "/notes/old", withIntermediateDirectories: true)
            ManifestTestSupport.write("text", to: root + "/README.md")

            let directory = try PluginDirectory.discover(root: root)
            #expect(directory.isValid)
            #expect(directory.manifests.map(\.name) == ["x"])
            #expect(directory.folderWarnings.map(\.code) == [.folderWithoutManifest])
            #expect(directory.folderWarnings.first?.file == root + "/filter/half-done")
            #expect(directory.warnings == directory.folderWarnings)
        }
    }

    @Test("an empty root is valid and holds nothing")
    func emptyRoot() throws {
        try ManifestTestSupport.withTemporaryDirectory { root throws in
            let directory = try PluginDirectory.discover(root: root)
            #expect(directory.isValid)
            #expect(directory.reports.isEmpty)
        }
    }

    @Test("kind folders map to kinds; agents/ holds agents")
    func kindFolders() {
        #expect(PluginKind(folderName: "agents") == .agent)
        #expect(PluginKind(folderName: "agent") == .agent)
        #expect(PluginKind(folderName: "filter") == .filter)
        #expect(PluginKind(folderName: "filters") == nil)
        #expect(PluginKind.agent.folderName == "agents")
        #expect(PluginKind.postprocessing.folderName == "postprocessing")
    }
}
