// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

/// Where and how a module process is started, beyond what its manifest says.
public struct PluginSpawnOptions: Sendable {
    /// The folder that `@bin/NAME` executables resolve against (the build's or the install's
    /// bin directory). Nil: such manifests fail to spawn.
    public var binDirectory: String?
    /// The directory passed as `MICE_PLUGIN_STATE_DIR` (created if missing). Nil:
    /// `/tmp/mice-plugin-state-<uid>/<name>`.
    public var stateDirectory: String?
    /// The operator's configuration values, overlaid on the manifest's defaults (CONFIGURE's
    /// `config`, or `MICE_PLUGIN_CONFIG` in lines mode).
    public var configuration: [String: JSONValue]
    /// LogFormat layout announced in CONFIGURE: `seed` (1688 bytes) or `0.2` (6608 bytes).
    public var layout: String
    /// Whether `MICE_PLUGIN_COOKIE` is passed. Only tests turn this off (a module run by hand).
    public var passesCookie: Bool
    /// The capacity requested for the stdin and stdout pipes (F_SETPIPE_SZ); the kernel may
    /// round it or refuse it (then the default 64 KiB stays).
    public var pipeCapacity: Int
    /// How many stderr lines per second reach the log.
    public var stderrRateLimit: StderrRelay.RateLimit

    /// Creates options.
    public init(
        binDirectory: String? = nil,
        stateDirectory: String? = nil,
        configuration: [String: JSONValue] = [:],
        layout: String = "seed",
        passesCookie: Bool = true,
        pipeCapacity: Int = 1 << 20,
        stderrRateLimit: StderrRelay.RateLimit = StderrRelay.RateLimit()
    ) {
        self.binDirectory = binDirectory
        self.stateDirectory = stateDirectory
        self.configuration = configuration
        self.layout = layout
        self.passesCookie = passesCookie
        self.pipeCapacity = pipeCapacity
        self.stderrRateLimit = stderrRateLimit
    }
}
