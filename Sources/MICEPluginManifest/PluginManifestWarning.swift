// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Something odd in a manifest that does not stop the plugin from loading, such as an unknown key.
///
/// Warnings are collected next to errors (``PluginManifestReport``); `micectl plugins validate`
/// prints them but still succeeds.
public struct PluginManifestWarning: Hashable, Sendable, CustomStringConvertible {
    /// What is odd.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case unknownKey, notExecutable, unusedDefault, folderWithoutManifest, shellCommand
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A key the schema does not define (a typo, or a key of a newer version); it is ignored.
        public static let unknownKey = Code(.unknownKey)
        /// `exec[0]` names a file without execute permission; starting the plugin will fail.
        public static let notExecutable = Code(.notExecutable)
        /// A `required` option has a `default`, which is never used.
        public static let unusedDefault = Code(.unusedDefault)
        /// A folder inside a kind folder holds no `plugin.json`; it is skipped.
        public static let folderWithoutManifest = Code(.folderWithoutManifest)
        /// `exec` is a shell with `-c` and a command string: allowed, but a script file is clearer.
        public static let shellCommand = Code(.shellCommand)

        public var description: String {
            switch base {
            case .unknownKey: return "unknown key"
            case .notExecutable: return "not executable"
            case .unusedDefault: return "unused default"
            case .folderWithoutManifest: return "folder without manifest"
            case .shellCommand: return "shell command"
            }
        }
    }

    /// What is odd.
    public var code: Code
    /// The manifest file (or folder) as the caller named it.
    public var file: String
    /// The key path concerned, e.g. `timeouts.startSecs`; nil for folder warnings.
    public var key: String?
    /// Human-readable detail, without the file and key.
    public var message: String

    /// Creates a warning.
    /// - Parameters:
    ///   - code: What is odd.
    ///   - file: The file as the caller named it.
    ///   - key: The key path concerned, if any.
    ///   - message: Detail without the file and key.
    public init(_ code: Code, file: String, key: String? = nil, _ message: String) {
        self.code = code
        self.file = file
        self.key = key
        self.message = message
    }

    /// `FILE[: key "K"]: MESSAGE`.
    public var description: String {
        if let key { return "\(file): key \"\(key)\": \(message)" }
        return "\(file): \(message)"
    }
}
