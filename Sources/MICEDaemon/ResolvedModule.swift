// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import MICEPluginManifest

/// A module named in a daemon's configuration, found among the plugins, with its option values.
public struct ResolvedModule: Sendable, Hashable {
    /// The plugin's manifest.
    public var manifest: PluginManifest
    /// The operator's option values (from the module configuration file); the manifest's defaults
    /// are added by the host (``PluginManifest/effectiveConfig(_:)``).
    public var configuration: [String: JSONValue]

    public init(manifest: PluginManifest, configuration: [String: JSONValue]) {
        self.manifest = manifest
        self.configuration = configuration
    }
}
