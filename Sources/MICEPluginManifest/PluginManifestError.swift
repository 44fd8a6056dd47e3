// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A reason why a manifest (`plugin.json`) is not usable; the plugin is not loaded.
///
/// Every error names the file, and the key path when one key is at fault, so that its
/// ``description`` reads like
/// `plugins/filter/regex/plugin.json: key "timeouts.startSeconds": expected a number, found a string`.
/// JSON syntax errors name the line and column instead. Extensible in the ServiceLifecycle style:
/// new codes can be added without breaking callers.
public struct PluginManifestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case unreadable, invalidJSON, duplicateKey, missingKey, wrongType, invalidValue, layout, exec
            case duplicateName
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The file or folder could not be read (missing, a directory, no permission, too large).
        public static let unreadable = Code(.unreadable)
        /// The file is not valid JSON; ``PluginManifestError/line`` and ``PluginManifestError/column`` say where.
        public static let invalidJSON = Code(.invalidJSON)
        /// The same member name occurs twice in one object.
        public static let duplicateKey = Code(.duplicateKey)
        /// A required key is absent.
        public static let missingKey = Code(.missingKey)
        /// A value has the wrong JSON type.
        public static let wrongType = Code(.wrongType)
        /// A value has the right type but is out of range, not one of the allowed words, or
        /// contradicts another key.
        public static let invalidValue = Code(.invalidValue)
        /// The manifest does not fit its place: `name` differs from the folder, `kind` from the kind
        /// folder, or the folder is not in a kind folder.
        public static let layout = Code(.layout)
        /// `exec` is unusable: a shell string, a path that escapes the plugin folder, a missing file.
        public static let exec = Code(.exec)
        /// Two manifests under one plugins root have the same `name`.
        public static let duplicateName = Code(.duplicateName)

        public var description: String {
            switch base {
            case .unreadable: return "unreadable"
            case .invalidJSON: return "invalid JSON"
            case .duplicateKey: return "duplicate key"
            case .missingKey: return "missing key"
            case .wrongType: return "wrong type"
            case .invalidValue: return "invalid value"
            case .layout: return "layout"
            case .exec: return "exec"
            case .duplicateName: return "duplicate name"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The manifest file (or, for folder problems, the folder) as the caller named it, e.g.
    /// `plugins/filter/regex/plugin.json`.
    public var file: String
    /// The key path at fault, e.g. `timeouts.startSeconds`, `exec[0]`, `options.rules.default`;
    /// nil when the problem is not one key (invalid JSON, an unreadable file).
    public var key: String?
    /// Human-readable detail, without the file and key.
    public var message: String
    /// Line of the problem (from 1), for JSON syntax errors and duplicate keys.
    public var line: Int?
    /// Column of the problem (from 1, in characters), with ``line``.
    public var column: Int?
    /// Byte offset of the problem in the file, with ``line``.
    public var offset: Int?

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - file: The file as the caller named it.
    ///   - key: The key path at fault, if one key is.
    ///   - message: Detail without the file and key.
    ///   - line: Line, for errors found while parsing.
    ///   - column: Column, with `line`.
    ///   - offset: Byte offset, with `line`.
    public init(
        _ code: Code,
        file: String,
        key: String? = nil,
        _ message: String,
        line: Int? = nil,
        column: Int? = nil,
        offset: Int? = nil
    ) {
        self.code = code
        self.file = file
        self.key = key
        self.message = message
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// `FILE[: line L, column C][: key "K"]: MESSAGE`.
    public var description: String {
        var text = file
        if let line, let column { text += ": line \(line), column \(column)" }
        if let key { text += ": key \"\(key)\"" }
        return text + ": " + message
    }
}
