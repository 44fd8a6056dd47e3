// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEConfig
import MICERecords

/// The ReactionDaemon's configuration: the original `reactiondaemon.conf` (six sections: the
/// parallel lists FID / RCT_MOD / RCT_FILE, NETWORK, SECURITY, MISC) plus this implementation's
/// optional keys: AUTH, ALLOW_UNAUTHENTICATED, REPLAY_WINDOW and ARCH in SECURITY, STATEDIR,
/// MAX_CLIENTS and MAX_CALLS in MISC, and the section REACTION_SANDBOX whose lists run parallel
/// to FID (user, group, whether the request's ids may override them, wall-clock and resource
/// limits per entry). Key tables: docs/reactiondaemon.md.
public struct ReactionDaemonConfig: Sendable, Hashable {
    /// How requests are authenticated.
    public enum Authentication: String, Sendable, Hashable, CaseIterable {
        /// The original Twofish CFB-8 envelopes with the shared PASSWORD (weak; explicit opt-in).
        case twofish
        /// IVLen = 0 envelopes, no authentication at all (explicit opt-in; tests, loopback).
        case plaintext
        /// Mutual TLS in front of the record stream: only clients with a certificate of the project
        /// CA (not revoked) connect; envelopes inside may be plaintext (IVLen = 0) or Twofish.
        case tls
    }

    /// One row of the function-ID table.
    public struct Entry: Sendable, Hashable {
        /// FID (hex in the file, e.g. `0x000001`).
        public var functionID: UInt32
        /// RCT_MOD: plugin name or original module name.
        public var module: String
        /// RCT_FILE: the module's configuration file, nil for none.
        public var configFile: String?
        /// RCT_USER: user name or uid the module runs as (default `nobody`).
        public var user: String
        /// RCT_GROUP: group name or gid (default `nogroup`).
        public var group: String
        /// RCT_IDS_FROM_REQUEST: whether a request's non-zero uid_for_exec/gid_for_exec replace
        /// user/group (never to uid or gid 0 unless the entry itself is 0).
        public var idsFromRequest: Bool
        /// RCT_TIMEOUT: wall-clock seconds from spawn to reply, then the process group is killed.
        public var timeoutSeconds: Int
        /// RCT_CPU: RLIMIT_CPU seconds (nil: the manifest's, else 5).
        public var cpuSeconds: Int?
        /// RCT_MEMORY: RLIMIT_AS bytes (nil: the manifest's, else 1 GiB).
        public var memoryBytes: Int?
        /// RCT_NOFILE: RLIMIT_NOFILE (nil: the manifest's, else 64).
        public var openFiles: Int?
        /// RCT_NPROC: RLIMIT_NPROC (nil: the manifest's, else 64; not applied to uid 0 entries
        /// unless set here, since it counts every process of the user).
        public var processes: Int?
        /// Line of the FID item.
        public var line: Int?

        /// Creates an entry with the defaults of a file that has no REACTION_SANDBOX section.
        public init(
            functionID: UInt32, module: String, configFile: String? = nil, user: String = "nobody",
            group: String = "nogroup", idsFromRequest: Bool = false, timeoutSeconds: Int = 10, cpuSeconds: Int? = nil,
            memoryBytes: Int? = nil, openFiles: Int? = nil, processes: Int? = nil, line: Int? = nil
        ) {
            self.functionID = functionID
            self.module = module
            self.configFile = configFile
            self.user = user
            self.group = group
            self.idsFromRequest = idsFromRequest
            self.timeoutSeconds = timeoutSeconds
            self.cpuSeconds = cpuSeconds
            self.memoryBytes = memoryBytes
            self.openFiles = openFiles
            self.processes = processes
            self.line = line
        }
    }

    /// The function-ID table in file order.
    public var entries: [Entry]
    /// NETWORK IP: the listen address.
    public var listenAddress: String
    /// NETWORK PORT.
    public var port: Int
    /// SECURITY PASSWORD (Twofish).
    public var password: String?
    /// SECURITY AUTH.
    public var authentication: Authentication
    /// TLS PKIDIR and TLSNAME (AUTH = tls): this host's PKI folder and certificate name.
    public var tlsPKIDirectory: String
    public var tlsCertificateName: String?
    /// SECURITY ALLOW_UNAUTHENTICATED: the explicit opt-in for twofish and plaintext.
    public var allowUnauthenticated: Bool
    /// SECURITY REPLAY_WINDOW: seconds a request's timestamp may lie before or after the clock.
    public var replayWindowSeconds: Int
    /// SECURITY ARCH: the stReactionMsg layout.
    public var architecture: ReactionArchitecture
    /// MISC PIDPATH.
    public var pidPath: String
    /// MISC MODPATH: the plugins root.
    public var modulePath: String
    /// MISC BACKLOG.
    public var backlog: Int
    /// MISC STATEDIR: reactions in force (reactions.json) and module state.
    public var stateDirectory: String
    /// MISC MAX_CLIENTS: connections served at once (further ones are closed at once).
    public var maxClients: Int
    /// MISC MAX_CALLS: reaction processes running at once (further requests wait).
    public var maxCalls: Int
    /// MISC IDLE_TIMEOUT: seconds a connection may stay silent before it is closed.
    public var idleTimeoutSeconds: Int

    static let sandboxLists = [
        "RCT_USER", "RCT_GROUP", "RCT_IDS_FROM_REQUEST", "RCT_TIMEOUT", "RCT_CPU", "RCT_MEMORY", "RCT_NOFILE",
        "RCT_NPROC",
    ]

    /// The sections and keys of `reactiondaemon.conf`.
    public static let schema = ConfigSchema(
        name: "reactiondaemon.conf",
        sections: [
            .init("FUNCTION_ID", [.init("FID", .stringList, required: true, "function ID per entry (hex)")]),
            .init("REACTION_MODULES", [.init("RCT_MOD", .stringList, required: true, "reaction module per entry")]),
            .init(
                "REACTION_MODULES_CONFIG_FILE",
                [.init("RCT_FILE", .stringList, required: true, "its configuration file (\"\" = none)")]),
            .init(
                "NETWORK",
                [
                    .init("IP", .string, default: .string("0.0.0.0"), "listen address"),
                    .init("PORT", .int, default: .int(1977), "TCP port"),
                ]),
            .init(
                "SECURITY",
                [
                    .init("PASSWORD", .string, "Twofish password (AUTH = twofish)"),
                    .init("CRYPTMOD", .string, default: .string("twofish"), "must be twofish"),
                    .init("CHROOT", .string, "parsed, not used"),
                    .init("AUTH", .string, default: .string("twofish"), "twofish, plaintext or tls"),
                    .init("ALLOW_UNAUTHENTICATED", .bool, default: .bool(false), "opt-in for twofish/plaintext"),
                    .init("REPLAY_WINDOW", .int, default: .int(30), "seconds of clock difference accepted"),
                    .init("ARCH", .string, default: .string("x86_64"), "stReactionMsg layout: x86_64 or i386"),
                ]),
            .init(
                "MISC",
                [
                    .init("PIDPATH", .string, default: .string("/var/run/M-ICE/"), "folder of the PID file"),
                    .init("MODPATH", .string, default: .string("/usr/lib/mice/plugins"), "plugins root"),
                    .init("BACKLOG", .int, default: .int(16), "listen backlog"),
                    .init(
                        "STATEDIR", .string, default: .string("/var/lib/M-ICE/reactiondaemon"), "reactions in force"),
                    .init("MAX_CLIENTS", .int, default: .int(64), "connections at once"),
                    .init("MAX_CALLS", .int, default: .int(8), "reaction processes at once"),
                    .init("IDLE_TIMEOUT", .int, default: .int(60), "seconds a silent connection stays open"),
                ]),
            .init("REACTION_SANDBOX", sandboxLists.map { .init($0, .stringList, "per entry, parallel to FID") }),
            LinkSecurity.schemaSection,
        ])

    /// Reads, parses and checks a `reactiondaemon.conf`.
    /// - Throws: ``ConfigError`` naming the file, line and key.
    public static func load(path: String) throws(ConfigError) -> ReactionDaemonConfig {
        try ReactionDaemonConfig(values: schema.validate(ConfigDocument.load(path: path)))
    }

    /// Parses and checks configuration text.
    /// - Parameters:
    ///   - text: The file's text.
    ///   - file: The name used in error messages.
    /// - Throws: ``ConfigError`` naming the file, line and key.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> ReactionDaemonConfig {
        try ReactionDaemonConfig(values: schema.validate(ConfigDocument.parse(text, file: file)))
    }

    /// Builds the typed configuration from validated values.
    /// - Throws: ``ConfigError`` for lists of different lengths and bad values.
    public init(values: ConfigValues) throws(ConfigError) {
        let fids = values.list("FID", in: "FUNCTION_ID")
        let modules = values.list("RCT_MOD", in: "REACTION_MODULES")
        let files = values.list("RCT_FILE", in: "REACTION_MODULES_CONFIG_FILE")
        guard modules.count == fids.count, files.count == fids.count else {
            throw values.invalid(
                "RCT_MOD", in: "REACTION_MODULES",
                "FID, RCT_MOD and RCT_FILE must have the same length (\(fids.count), \(modules.count), \(files.count))")
        }
        var sandbox: [String: [ConfigValues.Item]] = [:]
        for key in Self.sandboxLists {
            let list = values.list(key, in: "REACTION_SANDBOX")
            guard list.isEmpty || list.count == fids.count else {
                throw values.invalid(key, in: "REACTION_SANDBOX", "has \(list.count) items, FID has \(fids.count)")
            }
            sandbox[key] = list
        }
        func item(_ key: String, _ index: Int) -> ConfigValues.Item? {
            let list = sandbox[key] ?? []
            return list.isEmpty ? nil : list[index]
        }
        func number(_ key: String, _ index: Int, _ range: ClosedRange<Int>) throws(ConfigError) -> Int? {
            guard let item = item(key, index), item.text != "" else { return nil }
            guard let value = Int(item.text), range.contains(value) else {
                throw values.invalid(
                    key, in: "REACTION_SANDBOX", line: item.line, "\"\(item.text)\" is not an integer in \(range)")
            }
            return value
        }
        var entries: [Entry] = []
        for (index, fid) in fids.enumerated() {
            var text = fid.text.lowercased()
            if text.hasPrefix("0x") { text.removeFirst(2) }
            guard !text.isEmpty, text.count <= 8, let functionID = UInt32(text, radix: 16) else {
                throw values.invalid(
                    "FID", in: "FUNCTION_ID", line: fid.line, "\"\(fid.text)\" is not a hex function ID")
            }
            if entries.contains(where: { $0.functionID == functionID }) {
                throw values.invalid("FID", in: "FUNCTION_ID", line: fid.line, "\(fid.text) appears twice")
            }
            var entry = Entry(
                functionID: functionID, module: modules[index].text,
                configFile: files[index].text.isEmpty ? nil : files[index].text, line: fid.line)
            if let user = item("RCT_USER", index), !user.text.isEmpty { entry.user = user.text }
            if let group = item("RCT_GROUP", index), !group.text.isEmpty { entry.group = group.text }
            if let flag = item("RCT_IDS_FROM_REQUEST", index) {
                switch flag.text.lowercased() {
                case "yes", "y", "true", "t", "1": entry.idsFromRequest = true
                case "no", "n", "false", "f", "0", "": entry.idsFromRequest = false
                default:
                    throw values.invalid(
                        "RCT_IDS_FROM_REQUEST", in: "REACTION_SANDBOX", line: flag.line, "expected yes or no")
                }
            }
            entry.timeoutSeconds = try number("RCT_TIMEOUT", index, 1...3600) ?? 10
            entry.cpuSeconds = try number("RCT_CPU", index, 1...3600)
            entry.memoryBytes = try number("RCT_MEMORY", index, 1 << 20...Int.max)
            entry.openFiles = try number("RCT_NOFILE", index, 8...65536)
            entry.processes = try number("RCT_NPROC", index, 1...1_000_000)
            entries.append(entry)
        }
        self.entries = entries
        listenAddress = values.string("IP", in: "NETWORK") ?? "0.0.0.0"
        port = values.int("PORT", in: "NETWORK") ?? 1977
        guard (0...65535).contains(port) else { throw values.invalid("PORT", in: "NETWORK", "\(port) is not 0–65535") }
        password = values.string("PASSWORD", in: "SECURITY")
        let cryptModule = values.string("CRYPTMOD", in: "SECURITY") ?? "twofish"
        guard cryptModule.lowercased() == "twofish" else {
            throw values.invalid("CRYPTMOD", in: "SECURITY", "only twofish exists")
        }
        let auth = values.string("AUTH", in: "SECURITY") ?? "twofish"
        guard let authentication = Authentication(rawValue: auth.lowercased()) else {
            throw values.invalid("AUTH", in: "SECURITY", "expected twofish, plaintext or tls, found \"\(auth)\"")
        }
        self.authentication = authentication
        tlsPKIDirectory = values.string("PKIDIR", in: LinkSecurity.section) ?? LinkSecurity.defaultPKIDirectory
        tlsCertificateName = values.string("TLSNAME", in: LinkSecurity.section)
        if authentication == .tls {
            if values.isSet("TLS", in: LinkSecurity.section), !values.bool("TLS", in: LinkSecurity.section) {
                throw values.invalid("TLS", in: LinkSecurity.section, "TLS = no contradicts AUTH = tls")
            }
            guard let name = tlsCertificateName, !name.isEmpty else {
                throw ConfigError(
                    .missingKey, file: values.file, line: values.line(of: "AUTH", in: "SECURITY"),
                    section: LinkSecurity.section, key: "TLSNAME",
                    "AUTH = tls needs [TLS] TLSNAME, the name of this host's certificate (micectl pki issue NAME)")
            }
        }
        if authentication == .twofish, (password ?? "").utf8.count < 5 {
            throw values.invalid("PASSWORD", in: "SECURITY", "AUTH = twofish needs a PASSWORD of 5 or more characters")
        }
        allowUnauthenticated = values.bool("ALLOW_UNAUTHENTICATED", in: "SECURITY")
        replayWindowSeconds = values.int("REPLAY_WINDOW", in: "SECURITY") ?? 30
        guard (1...3600).contains(replayWindowSeconds) else {
            throw values.invalid("REPLAY_WINDOW", in: "SECURITY", "\(replayWindowSeconds) is not 1–3600")
        }
        let arch = values.string("ARCH", in: "SECURITY") ?? "x86_64"
        guard let architecture = ReactionArchitecture(rawValue: arch) else {
            throw values.invalid("ARCH", in: "SECURITY", "expected x86_64 or i386, found \"\(arch)\"")
        }
        self.architecture = architecture
        pidPath = values.string("PIDPATH", in: "MISC") ?? "/var/run/M-ICE/"
        modulePath = values.string("MODPATH", in: "MISC") ?? "/usr/lib/mice/plugins"
        backlog = values.int("BACKLOG", in: "MISC") ?? 16
        stateDirectory = values.string("STATEDIR", in: "MISC") ?? "/var/lib/M-ICE/reactiondaemon"
        maxClients = values.int("MAX_CLIENTS", in: "MISC") ?? 64
        maxCalls = values.int("MAX_CALLS", in: "MISC") ?? 8
        guard (1...100_000).contains(maxClients) else {
            throw values.invalid("MAX_CLIENTS", in: "MISC", "\(maxClients) is not 1–100000")
        }
        idleTimeoutSeconds = values.int("IDLE_TIMEOUT", in: "MISC") ?? 60
        guard (1...86400).contains(idleTimeoutSeconds) else {
            throw values.invalid("IDLE_TIMEOUT", in: "MISC", "\(idleTimeoutSeconds) is not 1–86400")
        }
        guard (1...1024).contains(maxCalls) else { throw values.invalid("MAX_CALLS", in: "MISC", "not 1–1024") }
    }
}
