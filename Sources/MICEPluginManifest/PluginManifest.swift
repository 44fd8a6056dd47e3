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
    /// The plugin's own version (free form, e.g. `1.2.0`).
    public var version: String
    /// One line saying what the plugin does.
    public var description: String
    /// Who wrote the plugin, e.g. `Jane Doe <jane@example.org>`.
    public var author: String?
    /// The plugin's licence, preferably an SPDX identifier such as `Apache-2.0`.
    public var license: String?
    /// Protocol versions, mode and frame limit.
    public var `protocol`: ProtocolSettings
    /// argv: the executable (relative to the plugin folder, absolute, or `@bin/NAME` for a program
    /// built by this project) and its arguments. Never a shell string.
    public var exec: [String]
    /// Configuration options: type, default, description, keyed by option name.
    public var options: [String: OptionSpec]
    /// Start, request, shutdown and heartbeat timeouts.
    public var timeouts: Timeouts
    /// When and how fast a dead module is restarted.
    public var restart: RestartPolicy
    /// What happens when records arrive faster than the module handles them.
    public var overflow: OverflowPolicy
    /// The process the module runs in: user, group, limits, writable paths, network, environment.
    public var sandbox: Sandbox
    /// How the module stands in for an original M-ICE module (names and module config keys).
    public var legacy: LegacyModule
    /// A reaction module's arguments (the tokens of `arg_fmt_string`), checked by the
    /// ReactionDaemon before the module is started; empty = no arguments accepted.
    public var arguments: [ReactionArgumentSpec] = []
    /// The folder holding plugin.json, absolute.
    public var directory: String
    /// The manifest file, absolute.
    public var file: String

    /// Creates a manifest; ``PluginManifestLoader`` is the usual source, which also validates.
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
        legacy: LegacyModule = LegacyModule(),
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
        self.legacy = legacy
        self.directory = directory
        self.file = file
    }

    /// The configuration a module receives: every option's default, overlaid with `values`.
    ///
    /// - Parameter values: The operator's values, by option name; they win over defaults. They are
    ///   not checked here (see ``configurationProblems(_:)``).
    /// - Returns: A JSON object, CONFIGURE's `config` (docs/plugin-protocol.md section 4).
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

    /// The kind folder under plugins/: the kind's name, except `agents` for reaction agents.
    public var folderName: String {
        self == .agent ? "agents" : rawValue
    }

    /// The kind a kind folder holds: `filter/` holds filters; `agents/` (or `agent/`) holds agents.
    /// - Parameter folderName: The folder's name, without slashes.
    /// - Returns: nil when the folder is not a kind folder.
    public init?(folderName: String) {
        if folderName == "agents" {
            self = .agent
        } else {
            self.init(rawValue: folderName)
        }
    }
}

/// How the host talks to the module.
public struct ProtocolSettings: Hashable, Sendable {
    /// `frames` (the binary protocol) or `lines` (one line in, one line out).
    public enum Mode: String, Codable, Hashable, Sendable, CaseIterable {
        case frames, lines
    }
    /// Protocol versions the module speaks.
    public var versions: [Int]
    public var mode: Mode
    /// Largest payload the module accepts; the host uses the smaller of this and its own limit.
    public var maxFrameBytes: Int
    /// Most calls in flight at once (pipelining window).
    public var maxInFlight: Int

    /// Creates protocol settings; the defaults are those of a manifest without `protocol`.
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
    public enum ValueType: String, Codable, Hashable, Sendable, CaseIterable {
        case string, integer, number, boolean, array, object

        /// Whether `value` has this type. An `integer` is a number without a fractional part
        /// (`5` or `5.0`); a `number` is any number.
        public func matches(_ value: JSONValue) -> Bool {
            switch (self, value) {
            case (.string, .string), (.boolean, .bool), (.array, .array), (.object, .object): return true
            case (.number, .int), (.number, .double), (.integer, .int): return true
            case (.integer, .double): return value.intValue != nil
            default: return false
            }
        }

        /// The type with its article, for messages: "an integer", "a string".
        public var phrase: String {
            switch self {
            case .string: return "a string"
            case .integer: return "an integer"
            case .number: return "a number"
            case .boolean: return "a Boolean"
            case .array: return "an array"
            case .object: return "an object"
            }
        }
    }
    /// JSON type of the option's value (JSON key `type`).
    public var type: ValueType
    /// The value used when the operator gives none (JSON key `default`); always of type ``type``.
    public var defaultValue: JSONValue?
    /// What the option does, for operators.
    public var description: String?
    /// Whether the operator must give a value (no default).
    public var required: Bool

    /// Creates an option.
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

    /// Creates timeouts; the defaults are those of a manifest without `timeouts`.
    public init(
        startSeconds: Double = 10,
        requestSeconds: Double = 10,
        shutdownSeconds: Double = 2,
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
    /// Which exits lead to a restart.
    public enum Policy: String, Codable, Hashable, Sendable, CaseIterable {
        /// Restart after any exit, clean or not.
        case always
        /// Restart after a non-zero exit or a signal, not after a clean exit (code 0).
        case onFailure = "on-failure"
        /// Never restart.
        case never
    }
    /// Which exits lead to a restart.
    public var policy: Policy
    /// First backoff delay; doubles on each restart up to `maxDelaySeconds`, with jitter.
    public var initialDelaySeconds: Double
    /// Longest backoff delay.
    public var maxDelaySeconds: Double
    /// Healthy uptime after which the backoff starts again from `initialDelaySeconds`.
    public var resetAfterSeconds: Double
    /// More than this many restarts within `windowSeconds` is a crash loop: the module is failed.
    public var maxRestarts: Int
    /// The sliding window of the crash-loop rule.
    public var windowSeconds: Double

    /// Creates a restart policy; the defaults are those of a manifest without `restart`.
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
    /// What to do with a record that finds the queue full.
    public enum Policy: String, Codable, Hashable, Sendable, CaseIterable {
        /// Push back on the sender.
        case block
        /// Drop the newest record and count it.
        case dropNewest = "drop-newest"
        /// Drop the oldest queued record and count it.
        case dropOldest = "drop-oldest"
    }
    /// What to do with a record that finds the queue full.
    public var policy: Policy
    /// Records queued for the module before the policy applies.
    public var queueLength: Int

    /// Creates an overflow policy; the defaults are those of a manifest without `overflow`.
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
    /// Resource limits (setrlimit).
    public var limits: ResourceLimits
    /// Paths the module may write (enforced by the ReactionDaemon's sandbox).
    public var writablePaths: [String]
    /// Whether the module may use the network (enforced by the ReactionDaemon's sandbox).
    public var network: Bool
    /// Extra environment variable names passed through from the host's environment.
    public var environment: [String]
    /// Programs (absolute paths) the module may execute besides itself (enforced by the
    /// ReactionDaemon's sandbox: Landlock and seccomp); empty = it may exec nothing.
    public var programs: [String]
    /// Whether the module may open netlink sockets (nftables, audit), enforced by the
    /// ReactionDaemon's sandbox.
    public var netlink: Bool
    /// Capabilities (`CAP_NET_ADMIN`, ...) kept in the bounding set when the module runs as uid 0
    /// under the ReactionDaemon; all others are dropped.
    public var capabilities: [String]

    /// Creates a sandbox; the defaults are those of a manifest without `sandbox`.
    public init(
        user: String? = nil,
        group: String? = nil,
        limits: ResourceLimits = ResourceLimits(),
        writablePaths: [String] = [],
        network: Bool = false,
        environment: [String] = [],
        programs: [String] = [],
        netlink: Bool = false,
        capabilities: [String] = []
    ) {
        self.user = user
        self.group = group
        self.limits = limits
        self.writablePaths = writablePaths
        self.network = network
        self.environment = environment
        self.programs = programs
        self.netlink = netlink
        self.capabilities = capabilities
    }
}

/// Resource limits applied to the module process (setrlimit); nil = inherited.
public struct ResourceLimits: Hashable, Sendable {
    /// CPU time in seconds (RLIMIT_CPU).
    public var cpuSeconds: Int?
    /// Address space in bytes (RLIMIT_AS).
    public var memoryBytes: Int?
    /// Open file descriptors (RLIMIT_NOFILE).
    public var openFiles: Int?
    /// Processes of the user (RLIMIT_NPROC).
    public var processes: Int?
    /// Largest file the module may write, in bytes (RLIMIT_FSIZE).
    public var fileSizeBytes: Int?

    /// Creates limits; nil leaves a limit as inherited.
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

/// How a plugin stands in for an original M-ICE module: the names an original configuration file
/// uses for it (`DEC_MOD = mice_mod_dec_logformat_twofish`) and how the keys of the original
/// module's own configuration file map to the plugin's options.
public struct LegacyModule: Hashable, Sendable {
    /// Original module names, e.g. `mice_mod_flt_regex`.
    public var names: [String]
    /// Original module configuration key (as spelled, e.g. `RULE`) → option name (e.g. `rules`).
    public var config: [String: String]
    /// Original keys accepted and ignored (mapped to `null`: the original read them and did nothing).
    public var ignoredConfig: Set<String>

    public init(names: [String] = [], config: [String: String] = [:], ignoredConfig: Set<String> = []) {
        self.names = names
        self.config = config
        self.ignoredConfig = ignoredConfig
    }
}
