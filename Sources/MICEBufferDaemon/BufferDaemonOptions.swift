// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// How a ``BufferDaemon`` runs, beyond its configuration file.
public struct BufferDaemonOptions: Sendable {
    /// The plugins root (MODPATH or `--plugins`).
    public var pluginsRoot: String
    /// The folder `@bin/NAME` module executables resolve against.
    public var binDirectory: String?
    /// Where watermark files and the modules' state directories live (STATEDIR or `--state-dir`).
    public var stateDirectory: String
    /// The LogFormat layout announced to the modules: `seed` or `0.2` (LAYOUT).
    public var layout: String
    /// At stop: how long a connection may wait for its last records to be stored and acknowledged.
    public var connectionDrainTimeout: Duration
    /// At stop: how long the rings may take to drain into postprocessing before the modules are
    /// stopped anyway (what is left then is not acknowledged; acked senders resend it).
    public var ringDrainTimeout: Duration
    /// Longest time between watermark file writes while records complete.
    public var watermarkInterval: Duration

    public init(
        pluginsRoot: String,
        binDirectory: String? = nil,
        stateDirectory: String,
        layout: String = "seed",
        connectionDrainTimeout: Duration = .seconds(10),
        ringDrainTimeout: Duration = .seconds(30),
        watermarkInterval: Duration = .milliseconds(100)
    ) {
        self.pluginsRoot = pluginsRoot
        self.binDirectory = binDirectory
        self.stateDirectory = stateDirectory
        self.layout = layout
        self.connectionDrainTimeout = connectionDrainTimeout
        self.ringDrainTimeout = ringDrainTimeout
        self.watermarkInterval = watermarkInterval
    }
}
