// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import MICEWire

/// What the host told the module in CONFIGURE, plus the module's environment.
public struct PluginContext: Sendable {
    /// The plugin's name (from the manifest).
    public var name: String
    /// The plugin's kind (from the manifest).
    public var kind: ModuleKind
    /// The negotiated protocol version.
    public var protocolVersion: Int
    /// The negotiated payload limit.
    public var maxFrameBytes: Int
    /// LogFormat layout of records on this link: `seed` or `0.2`.
    public var layout: String
    /// The module's configuration.
    public var config: JSONValue
    /// The plugin's folder, from `MICE_PLUGIN_DIR`.
    public var directory: String?
    /// A directory the module may write state into, from `MICE_PLUGIN_STATE_DIR`.
    public var stateDirectory: String?

    public init(
        name: String,
        kind: ModuleKind,
        protocolVersion: Int,
        maxFrameBytes: Int,
        layout: String,
        config: JSONValue,
        directory: String? = nil,
        stateDirectory: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.protocolVersion = protocolVersion
        self.maxFrameBytes = maxFrameBytes
        self.layout = layout
        self.config = config
        self.directory = directory
        self.stateDirectory = stateDirectory
    }
}

/// A configuration the module cannot use. Thrown from a module's configure step, it becomes an
/// ERROR frame with code 2 naming the key, and the module exits 78 (not restarted).
public struct PluginConfigError: Error, Sendable, CustomStringConvertible {
    /// The configuration key at fault.
    public var key: String
    /// What is wrong with it.
    public var message: String

    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "config key \"\(key)\": \(message)" }
}

/// A failed call. Thrown from a call handler, it becomes an ERROR frame with the call's id.
public struct PluginCallError: Error, Sendable, CustomStringConvertible {
    /// A ``PluginErrorCode`` or a module-specific code ≥ 100.
    public var code: Int
    public var message: String

    public init(code: Int = PluginErrorCode.internalError, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "error \(code): \(message)" }
}
