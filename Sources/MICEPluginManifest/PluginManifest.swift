// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

/// The JSON sidecar `plugins/<kind>/<name>/plugin.json` of one plugin (docs/plugin-manifest.md).
///
/// Values are validated and defaulted when loaded (``PluginManifestLoader``), so every member
/// here is usable as is.
public struct PluginManifest: Hashable, Sendable {
    /// The plugin's name: same string as its folder (and, for compiled plugins, its executable).
    public var name: String
    /// What the plugin is.
    public var kind: PluginKind
    /// The plugin's own version.
    public var version: String
    public var description: String
    public var author: String?
    public var license: String?
    /// Protocol versions, mode and frame limit.
    public var `protocol`: ProtocolSettings
    /// argv: the executable (relative to the plugin folder, absolute, or `@bin/NAME` for a program
    /// built by this project) and its arguments. Never a shell string.
    public var exec: [String]
    /// Configuration options: type, default, description, keyed by option name.
    public var options: [String: OptionSpec]
    public var timeouts: Timeouts
    public var restart: RestartPolicy
    public var overflow: OverflowPolicy
    public var sandbox: Sandbox
    /// The folder holding plugin.json, absolute.
    public var directory: String
    /// The manifest file, absolute.
    public var file: String

    public init(
        name: String,
        kind: PluginKind,
        version: String,
        description: String,
        author: String? = nil,
        license: String? = nil,
        protocol: ProtocolSettings = ProtocolSettings(),
        exec: [String],
        options: [String: OptionSpec] = [:],
        timeouts: Timeouts = Timeouts(),
        restart: RestartPolicy = RestartPolicy(),
        overflow: OverflowPolicy = OverflowPolicy(),
        sandbox: Sandbox = Sandbox(),
        directory: String,
        file: String
    ) {
        self.name = name
        self.kind = kind
        self.version = version
        self.description = description
        self.author = author
        self.license = license
        self.protocol = `protocol`
        self.exec = exec
        self.options = options
        self.timeouts = timeouts
        self.restart = restart
        self.overflow = overflow
        self.sandbox = sandbox
        self.directory = directory
        self.file = file
    }

    /// The configuration a module receives: every option's default, overlaid with `values`.
    public func effectiveConfig(_ values: [String: JSONValue] = [:]) -> JSONValue {
        var config: [String: JSONValue] = [:]
        for (key, spec) in options {
            if let value = spec.defaultValue { config[key] = value }
        }
        for (key, value) in values { config[key] = value }
        return .object(config)
    }
}

/// The kind of a plugin; the folder under plugins/ that holds it.
public enum PluginKind: String, Codable, Hashable, Sendable, CaseIterable {
    case format, filter, pseudonymizer, decoding, postprocessing, reaction, agent
}

/// How the host talks to the module.
public struct ProtocolSettings: Hashable, Sendable {
    /// `frames` (the binary protocol) or `lines` (one line in, one line out).
    public enum Mode: String, Codable, Hashable, Sendable {
        case frames, lines
    }
    /// Protocol versions the module speaks.
    public var versions: [Int]
    public var mode: Mode
    /// Largest payload the module accepts; the host uses the smaller of this and its own limit.
    public var maxFrameBytes: Int
    /// Most calls in flight at once (pipelining window).
    public var maxInFlight: Int

    public init(versions: [Int] = [1], mode: Mode = .frames, maxFrameBytes: Int = 1 << 20, maxInFlight: Int = 256) {
        self.versions = versions
        self.mode = mode
        self.maxFrameBytes = maxFrameBytes
        self.maxInFlight = maxInFlight
    }
}

/// One configuration option of a plugin, in the manner of fluent-bit's config map.
public struct OptionSpec: Hashable, Sendable {
    /// JSON type of an option value.
    public enum ValueType: String, Codable, Hashable, Sendable {
        case string, integer, number, boolean, array, object
    }
    public var type: ValueType
    public var defaultValue: JSONValue?
    public var description: String?
    /// Whether the operator must give a value (no default).
    public var required: Bool

    public init(type: ValueType, defaultValue: JSONValue? = nil, description: String? = nil, required: Bool = false) {
        self.type = type
        self.defaultValue = defaultValue
        self.description = description
        self.required = required
    }
}

/// Timeouts, in seconds.
public struct Timeouts: Hashable, Sendable {
    /// From spawn to READY.
    public var startSeconds: Double
    /// From CALL to its REPLY.
    public var requestSeconds: Double
    /// Each step of the teardown (after SHUTDOWN, after SIGTERM).
    public var shutdownSeconds: Double
    /// Idle time before a PING; 0 disables heartbeats.
    public var heartbeatSeconds: Double

    public init(
        startSeconds: Double = 10, requestSeconds: Double = 10, shutdownSeconds: Double = 2,
        heartbeatSeconds: Double = 30
    ) {
        self.startSeconds = startSeconds
        self.requestSeconds = requestSeconds
        self.shutdownSeconds = shutdownSeconds
        self.heartbeatSeconds = heartbeatSeconds
    }
}

/// When and how fast a dead module is restarted.
public struct RestartPolicy: Hashable, Sendable {
    public enum Policy: String, Codable, Hashable, Sendable {
        case always
        case onFailure = "on-failure"
        case never
    }
    public var policy: Policy
    /// First backoff delay; doubles on each restart up to `maxDelaySeconds`, with jitter.
    public var initialDelaySeconds: Double
    public var maxDelaySeconds: Double
    /// Healthy uptime after which the backoff starts again from `initialDelaySeconds`.
    public var resetAfterSeconds: Double
    /// More than this many restarts within `windowSeconds` is a crash loop: the module is failed.
    public var maxRestarts: Int
    public var windowSeconds: Double

    public init(
        policy: Policy = .onFailure,
        initialDelaySeconds: Double = 0.5,
        maxDelaySeconds: Double = 30,
        resetAfterSeconds: Double = 60,
        maxRestarts: Int = 5,
        windowSeconds: Double = 60
    ) {
        self.policy = policy
        self.initialDelaySeconds = initialDelaySeconds
        self.maxDelaySeconds = maxDelaySeconds
        self.resetAfterSeconds = resetAfterSeconds
        self.maxRestarts = maxRestarts
        self.windowSeconds = windowSeconds
    }
}

/// What happens when records arrive faster than the module handles them.
public struct OverflowPolicy: Hashable, Sendable {
    public enum Policy: String, Codable, Hashable, Sendable {
        /// Push back on the sender.
        case block
        /// Drop the newest record and count it.
        case dropNewest = "drop-newest"
        /// Drop the oldest queued record and count it.
        case dropOldest = "drop-oldest"
    }
    public var policy: Policy
    /// Records queued for the module before the policy applies.
    public var queueLength: Int

    public init(policy: Policy = .block, queueLength: Int = 1024) {
        self.policy = policy
        self.queueLength = queueLength
    }
}

/// The process the module runs in.
public struct Sandbox: Hashable, Sendable {
    /// User name or numeric uid to run as (only when the host runs as root); nil = the host's.
    public var user: String?
    /// Group name or numeric gid.
    public var group: String?
    public var limits: ResourceLimits
    /// Paths the module may write (enforced by the ReactionDaemon's sandbox).
    public var writablePaths: [String]
    /// Whether the module may use the network (enforced by the ReactionDaemon's sandbox).
    public var network: Bool
    /// Extra environment variable names passed through from the host's environment.
    public var environment: [String]

    public init(
        user: String? = nil,
        group: String? = nil,
        limits: ResourceLimits = ResourceLimits(),
        writablePaths: [String] = [],
        network: Bool = false,
        environment: [String] = []
    ) {
        self.user = user
        self.group = group
        self.limits = limits
        self.writablePaths = writablePaths
        self.network = network
        self.environment = environment
    }
}

/// Resource limits applied to the module process (setrlimit); nil = inherited.
public struct ResourceLimits: Hashable, Sendable {
    public var cpuSeconds: Int?
    public var memoryBytes: Int?
    public var openFiles: Int?
    public var processes: Int?
    public var fileSizeBytes: Int?

    public init(
        cpuSeconds: Int? = nil,
        memoryBytes: Int? = nil,
        openFiles: Int? = nil,
        processes: Int? = nil,
        fileSizeBytes: Int? = nil
    ) {
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
        self.openFiles = openFiles
        self.processes = processes
        self.fileSizeBytes = fileSizeBytes
    }

    /// True when no limit is set.
    public var isEmpty: Bool {
        cpuSeconds == nil && memoryBytes == nil && openFiles == nil && processes == nil && fileSizeBytes == nil
    }
}
