// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The outcome of loading one `plugin.json`: the manifest when it is valid, and every error and
/// warning found in it.
public struct PluginManifestReport: Hashable, Sendable {
    /// The manifest file as the caller named it (the name used in every error and warning).
    public var file: String
    /// The validated manifest, with defaults filled in; nil exactly when ``errors`` is not empty.
    public var manifest: PluginManifest?
    /// Every error found, in schema order; empty when the manifest is valid.
    public var errors: [PluginManifestError]
    /// Every warning found; warnings never make a manifest invalid.
    public var warnings: [PluginManifestWarning]

    /// Creates a report.
    public init(
        file: String,
        manifest: PluginManifest?,
        errors: [PluginManifestError] = [],
        warnings: [PluginManifestWarning] = []
    ) {
        self.file = file
        self.manifest = errors.isEmpty ? manifest : nil
        self.errors = errors
        self.warnings = warnings
    }

    /// Whether the manifest loaded (warnings allowed).
    public var isValid: Bool { errors.isEmpty && manifest != nil }

    /// The manifest, or the first error.
    /// - Throws: ``PluginManifestError``, the first of ``errors``, when the manifest is invalid.
    public func get() throws(PluginManifestError) -> PluginManifest {
        if let manifest, errors.isEmpty { return manifest }
        throw errors.first ?? PluginManifestError(.unreadable, file: file, "manifest was not loaded")
    }
}
