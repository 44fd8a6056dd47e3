// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICEPluginManifest

/// Paths and builders shared by the manifest tests.
enum ManifestTestSupport {
    /// `Tests/Fixtures/manifests`, found from this file's location.
    static let fixtures: String = {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return tests.appendingPathComponent("Fixtures/manifests").path
    }()

    /// The repository root (for docs/).
    static let repositoryRoot: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()

    /// A valid manifest with only the required keys; exec is `@bin/demo`, so no file is needed.
    static let minimal: [String: JSONValue] = [
        "name": "demo",
        "kind": "filter",
        "version": "1.0.0",
        "description": "A test plugin.",
        "exec": ["@bin/demo"],
    ]

    /// ``minimal`` with top-level members replaced by `overrides` and `removing` taken out.
    static func manifest(_ overrides: [String: JSONValue] = [:], removing: [String] = []) -> JSONValue {
        var object = minimal
        for (key, value) in overrides { object[key] = value }
        for key in removing { object[key] = nil }
        return .object(object)
    }

    /// JSON text of a value.
    static func text(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }

    /// Loads `json` as if it were `/nonexistent-mice/<folder>/plugin.json`, named
    /// `plugins/<folder>/plugin.json` in messages. No kind folder applies.
    static func load(_ json: String, folder: String = "demo") -> PluginManifestReport {
        PluginManifestLoader().load(
            bytes: Array(json.utf8), file: "/nonexistent-mice/\(folder)/plugin.json",
            displayPath: "plugins/\(folder)/plugin.json")
    }

    /// Loads a manifest value (see ``load(_:folder:)``).
    static func load(_ value: JSONValue, folder: String = "demo") -> PluginManifestReport {
        load(text(value), folder: folder)
    }

    /// A fresh temporary directory, removed after `body`.
    static func withTemporaryDirectory<T>(_ body: (String) throws -> T) rethrows -> T {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("mice-manifest-tests-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    /// Writes `text` to `path`, creating folders; `executable` sets mode 0755 (else 0644).
    static func write(_ text: String, to path: String, executable: Bool = false) {
        let folder = (path as NSString).deletingLastPathComponent
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(
            atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: executable ? 0o755 : 0o644])
    }
}
