// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// What the command line adds to dataforwarder.conf.
public struct ForwarderSettings: Sendable {
    /// The plugins folder; nil: MODPATH of the configuration.
    public var pluginsRoot: String?
    /// Where `mice-fdserver` and the `@bin/NAME` module executables are.
    public var binDirectory: String
    /// The spool folder; nil: SPOOLDIR of the configuration.
    public var spoolDirectory: String?
    /// Written once the files are followed and the links are set up.
    public var readyFile: String?
    /// Rewritten every second and at exit with ``ForwarderStatistics``.
    public var statsFile: String?
    /// Open the log files through the fd server also when not started as root (tests).
    public var forceFdServer: Bool
    /// At a clean stop, how long the links get to deliver what is spooled.
    public var deliveryTimeout: Duration
    /// Lines per batch at most.
    public var batchLines: Int

    public init(
        pluginsRoot: String? = nil, binDirectory: String, spoolDirectory: String? = nil, readyFile: String? = nil,
        statsFile: String? = nil, forceFdServer: Bool = false, deliveryTimeout: Duration = .seconds(5),
        batchLines: Int = 1024
    ) {
        self.pluginsRoot = pluginsRoot
        self.binDirectory = binDirectory
        self.spoolDirectory = spoolDirectory
        self.readyFile = readyFile
        self.statsFile = statsFile
        self.forceFdServer = forceFdServer
        self.deliveryTimeout = deliveryTimeout
        self.batchLines = max(1, batchLines)
    }
}
