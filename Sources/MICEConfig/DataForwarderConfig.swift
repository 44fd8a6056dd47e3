// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The DataForwarder's configuration (`dataforwarder.conf`): 8 sections of the original plus a few
/// keys of our own in `[MISC]` for the log tailer.
///
/// Load it with ``load(path:)`` or ``parse(_:file:)``; every error names the file, line and key.
/// The key tables are in docs/config.md.
public struct DataForwarderConfig: Sendable, Hashable {
    /// A BufferDaemon to send records to.
    public struct Server: Sendable, Hashable {
        /// Address or host name.
        public var host: String
        /// TCP port.
        public var port: Int
        /// How records travel to it (SQLMODE / ASMODE).
        public var mode: DeliveryMode

        public init(host: String, port: Int, mode: DeliveryMode = .acked) {
            self.host = host
            self.port = port
            self.mode = mode
        }
    }

    /// How records are sent to a BufferDaemon (`SQLMODE`, `ASMODE`).
    public enum DeliveryMode: String, Sendable, Hashable, CaseIterable {
        /// Framed records with acknowledgements; a record leaves the spool once the receiver has it.
        case acked
        /// Fixed-size records exactly as the original sent them, no acknowledgements.
        case legacy
    }

    /// The LogFormat layout of the records (`LAYOUT`).
    public enum RecordLayout: String, Sendable, Hashable, CaseIterable {
        /// The seed guide's 1688-byte record (1712 bytes in its CipherMsg).
        case seed
        /// The last original code's 6608-byte record (6632 bytes in its CipherMsg).
        case v02 = "0.2"
    }

    /// How log files are watched.
    public enum WatchMode: String, Sendable, Hashable, CaseIterable {
        /// inotify, with polling as the automatic fallback.
        case inotify
        /// Polling every ``DataForwarderConfig/sleepInterval`` seconds.
        case poll
    }

    /// Where reading starts in a file that has no saved position yet.
    public enum StartPosition: String, Sendable, Hashable, CaseIterable {
        /// At its end: only new lines are read (the original's behaviour).
        case end
        /// At its beginning: the existing content is read too.
        case beginning
    }

    /// The raw-log BufferDaemon (`[SQL_SERVER]` SQLIP/SQLPORT), nil when SQLIP is not set.
    public var sqlServer: Server?
    /// The analysis BufferDaemon (`[ANALYSIS_SERVER]` ASIP/ASPORT), nil when ASIP is not set.
    public var analysisServer: Server?
    /// ENCRYPT: the legacy Twofish mode of the records.
    public var encrypt: Bool
    /// PSEUDO: run the pseudonymizer module.
    public var pseudonymize: Bool
    /// FILTER: run the filter module.
    public var filter: Bool
    /// USER the main process runs as after start.
    public var user: String
    /// GROUP the main process runs as after start.
    public var group: String
    /// CHROOT (parsed, not used; as in the original).
    public var chroot: String?
    /// ENCKEY: the legacy Twofish key; required when ``encrypt`` is on.
    public var encryptionKey: String?
    /// DEVRANDOM: the source of IVs ("soft" = the C library's generator).
    public var randomDevice: String
    /// CRYPTMOD: the cipher; only "twofish" exists.
    public var cipherModule: String
    /// FILE entries of `[LOGFILE_LIST]` in file order.
    public var files: [LogFileEntry]
    /// MODPATH: where modules (plugins) are found.
    public var modulePath: String
    /// MOD_FILTER: the filter module's name.
    public var filterModule: String?
    /// MOD_LOGFORMAT: the format module's name.
    public var formatModule: String?
    /// MOD_PSEUDONYM: the pseudonymizer module's name.
    public var pseudonymModule: String?
    /// FILTERCONF: the filter module's configuration file.
    public var filterConfig: String?
    /// LOGFORMATCONF: the format module's configuration file.
    public var formatConfig: String?
    /// PSEUDONYMCONF: the pseudonymizer module's configuration file.
    public var pseudonymConfig: String?
    /// SHMSIZE (parsed, not used: there is no shared-memory slot any more).
    public var sharedMemorySize: Int
    /// SLEEPINV: seconds between polls when polling, and between safety sweeps with inotify.
    public var sleepInterval: Int
    /// RECONNECT: failed connection attempts before a warning is logged.
    public var reconnectWarning: Int
    /// PIDPATH: the folder of the PID file.
    public var pidPath: String
    /// WATCHMODE (ours): inotify (default) or poll.
    public var watchMode: WatchMode
    /// MAXLINELEN (ours): longer lines are truncated to this many bytes.
    public var maxLineLength: Int
    /// POSITIONFILE (ours): where read positions are kept across restarts.
    public var positionFile: String
    /// STARTAT (ours): where a file without a saved position is first read from.
    public var startAt: StartPosition
    /// SPOOLDIR (ours): the folder of the links' disk spools (one subfolder per link).
    public var spoolDirectory: String
    /// SPOOLMAX (ours): the size limit of each link's spool, in bytes.
    public var spoolMaxBytes: Int
    /// LAYOUT (ours): the LogFormat layout of the records and of the modules.
    public var layout: RecordLayout
    /// `[TLS]` (ours): mutual TLS on the links to the BufferDaemons, or the original plaintext links.
    public var security: LinkSecurity

    // MARK: - Schema

    static let sqlServer = "SQL_SERVER"
    static let analysisServer = "ANALYSIS_SERVER"
    static let security = "SECURITY_AND_PRIVACY"
    static let logFiles = "LOGFILE_LIST"
    static let searchPath = "MODULES_SEARCH_PATH"
    static let modules = "MODULES"
    static let moduleConfigs = "MODULES_CONFIG_FILE"
    static let misc = "MISC"

    /// The sections and keys of `dataforwarder.conf`.
    public static let schema = ConfigSchema(
        name: "dataforwarder.conf",
        sections: [
            .init(
                sqlServer,
                [
                    .init("SQLIP", .string, "address of the raw-log BufferDaemon; unset: not used"),
                    .init("SQLPORT", .int, default: .int(3366), "its TCP port"),
                    .init("SQLPROTO", .string, default: .string("TCP"), "transport; only TCP"),
                    .init("SQLMODE", .string, default: .string("acked"), "acked or legacy records"),
                ]),
            .init(
                analysisServer,
                [
                    .init("ASIP", .string, "address of the analysis BufferDaemon; unset: not used"),
                    .init("ASPORT", .int, default: .int(3367), "its TCP port"),
                    .init("ASPROTO", .string, default: .string("TCP"), "transport; only TCP"),
                    .init("ASMODE", .string, default: .string("acked"), "acked or legacy records"),
                ]),
            .init(
                security,
                [
                    .init("ENCRYPT", .bool, "legacy Twofish encryption of the records"),
                    .init("PSEUDO", .bool, "run the pseudonymizer module"),
                    .init("FILTER", .bool, "run the filter module"),
                    .init("USER", .string, default: .string("nobody"), "user the main process runs as"),
                    .init("GROUP", .string, default: .string("nogroup"), "group the main process runs as"),
                    .init("CHROOT", .string, "parsed, not used"),
                    .init("ENCKEY", .string, "legacy Twofish key; required with ENCRYPT"),
                    .init("DEVRANDOM", .string, default: .string("/dev/urandom"), "IV source; \"soft\" = libc"),
                    .init("CRYPTMOD", .string, default: .string("twofish"), "cipher; only twofish"),
                ]),
            .init(logFiles, [.init("FILE", .stringList, required: true, "\"tag: /path\" per file")]),
            .init(
                searchPath, [.init("MODPATH", .string, default: .string("/usr/lib/mice/plugins"), "module folder")]),
            .init(
                modules,
                [
                    .init("MOD_FILTER", .string, "filter module"),
                    .init("MOD_LOGFORMAT", .string, "format module"),
                    .init("MOD_PSEUDONYM", .string, "pseudonymizer module"),
                ]),
            .init(
                moduleConfigs,
                [
                    .init("FILTERCONF", .string, "filter module configuration file"),
                    .init("LOGFORMATCONF", .string, "format module configuration file"),
                    .init("PSEUDONYMCONF", .string, "pseudonymizer configuration file"),
                ]),
            .init(
                misc,
                [
                    .init("SHMSIZE", .int, default: .int(10240), "parsed, not used"),
                    .init("SLEEPINV", .long, default: .int(1), "seconds between polls / safety sweeps"),
                    .init("RECONNECT", .int, default: .int(15), "failed connects before a warning"),
                    .init("PIDPATH", .string, default: .string("/var/run/M-ICE/"), "folder of the PID file"),
                    .init("WATCHMODE", .string, default: .string("inotify"), "inotify or poll"),
                    .init("MAXLINELEN", .int, default: .int(65536), "longest line kept, in bytes"),
                    .init(
                        "POSITIONFILE", .string, default: .string("/var/lib/M-ICE/dataforwarder.positions"),
                        "saved read positions"),
                    .init("STARTAT", .string, default: .string("end"), "end or beginning, for new files"),
                    .init(
                        "SPOOLDIR", .string, default: .string("/var/lib/M-ICE/spool"),
                        "folder of the links' disk spools"),
                    .init("SPOOLMAX", .long, default: .int(268_435_456), "size limit of each link's spool, bytes"),
                    .init("LAYOUT", .string, default: .string("seed"), "LogFormat layout: seed or 0.2"),
                ]),
            LinkSecurity.schemaSection,
        ])

    // MARK: - Loading

    /// Reads, parses and checks a `dataforwarder.conf`.
    /// - Throws: ``ConfigError`` naming the file, line and key.
    public static func load(path: String) throws(ConfigError) -> DataForwarderConfig {
        try DataForwarderConfig(values: schema.validate(ConfigDocument.load(path: path)))
    }

    /// Parses and checks configuration text.
    /// - Parameter file: The name used in error messages.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> DataForwarderConfig {
        try DataForwarderConfig(values: schema.validate(ConfigDocument.parse(text, file: file)))
    }

    /// Builds the typed configuration from validated values and checks what the schema cannot:
    /// ranges, file entries, and keys that depend on each other.
    public init(values: ConfigValues) throws(ConfigError) {
        sqlServer = try Self.server(
            values, section: Self.sqlServer, host: "SQLIP", port: "SQLPORT", proto: "SQLPROTO", mode: "SQLMODE")
        analysisServer = try Self.server(
            values, section: Self.analysisServer, host: "ASIP", port: "ASPORT", proto: "ASPROTO", mode: "ASMODE")
        if sqlServer == nil && analysisServer == nil {
            throw ConfigError(
                .missingKey, file: values.file, section: Self.sqlServer, key: "SQLIP",
                "set SQLIP in [SQL_SERVER] or ASIP in [ANALYSIS_SERVER]: there is nowhere to send records")
        }

        let security = Self.security
        encrypt = values.bool("ENCRYPT", in: security)
        pseudonymize = values.bool("PSEUDO", in: security)
        filter = values.bool("FILTER", in: security)
        user = try Self.nonEmpty(values, "USER", in: security)
        group = try Self.nonEmpty(values, "GROUP", in: security)
        chroot = values.string("CHROOT", in: security)
        encryptionKey = values.string("ENCKEY", in: security)
        randomDevice = try Self.nonEmpty(values, "DEVRANDOM", in: security)
        cipherModule = try Self.nonEmpty(values, "CRYPTMOD", in: security)
        if cipherModule.lowercased() != "twofish" {
            throw values.invalid("CRYPTMOD", in: security, "only \"twofish\" exists, found \"\(cipherModule)\"")
        }
        if encrypt && (encryptionKey ?? "").isEmpty {
            // The original switched encryption off with a warning; a missing key is a mistake to fix.
            throw ConfigError(
                .missingKey, file: values.file, line: values.line(of: "ENCRYPT", in: security), section: security,
                key: "ENCKEY", "ENCRYPT is on but ENCKEY is not set")
        }

        var files: [LogFileEntry] = []
        var seen: [String: Int?] = [:]
        for item in values.list("FILE", in: Self.logFiles) {
            switch LogFileEntry.parse(item.text, line: item.line) {
            case .failure(let problem):
                throw values.invalid("FILE", in: Self.logFiles, line: item.line, problem.detail)
            case .success(let entry):
                if let first = seen[entry.path] {
                    let place = first.map { "on line \($0)" } ?? "already"
                    throw values.invalid(
                        "FILE", in: Self.logFiles, line: item.line, "\(entry.path) is listed \(place)")
                }
                seen[entry.path] = item.line
                files.append(entry)
            }
        }
        if files.isEmpty {
            throw values.invalid("FILE", in: Self.logFiles, "the list is empty: there is nothing to watch")
        }
        self.files = files

        modulePath = try Self.nonEmpty(values, "MODPATH", in: Self.searchPath)
        filterModule = Self.optional(values, "MOD_FILTER", in: Self.modules)
        formatModule = Self.optional(values, "MOD_LOGFORMAT", in: Self.modules)
        pseudonymModule = Self.optional(values, "MOD_PSEUDONYM", in: Self.modules)
        filterConfig = Self.optional(values, "FILTERCONF", in: Self.moduleConfigs)
        formatConfig = Self.optional(values, "LOGFORMATCONF", in: Self.moduleConfigs)
        pseudonymConfig = Self.optional(values, "PSEUDONYMCONF", in: Self.moduleConfigs)

        let misc = Self.misc
        sharedMemorySize = values.int("SHMSIZE", in: misc) ?? 10240
        sleepInterval = try Self.atLeast(1, values, "SLEEPINV", in: misc)
        reconnectWarning = try Self.atLeast(0, values, "RECONNECT", in: misc)
        pidPath = try Self.nonEmpty(values, "PIDPATH", in: misc)
        let mode = values.string("WATCHMODE", in: misc) ?? "inotify"
        guard let watchMode = WatchMode(rawValue: mode.lowercased()) else {
            throw values.invalid("WATCHMODE", in: misc, "expected inotify or poll, found \"\(mode)\"")
        }
        self.watchMode = watchMode
        maxLineLength = try Self.atLeast(64, values, "MAXLINELEN", in: misc)
        positionFile = try Self.nonEmpty(values, "POSITIONFILE", in: misc)
        let start = values.string("STARTAT", in: misc) ?? "end"
        guard let startAt = StartPosition(rawValue: start.lowercased()) else {
            throw values.invalid("STARTAT", in: misc, "expected end or beginning, found \"\(start)\"")
        }
        self.startAt = startAt
        spoolDirectory = try Self.nonEmpty(values, "SPOOLDIR", in: misc)
        spoolMaxBytes = try Self.atLeast(65536, values, "SPOOLMAX", in: misc)
        let layoutName = values.string("LAYOUT", in: misc) ?? "seed"
        guard let layout = RecordLayout(rawValue: layoutName.lowercased()) else {
            throw values.invalid("LAYOUT", in: misc, "expected seed or 0.2, found \"\(layoutName)\"")
        }
        self.layout = layout
        self.security = try LinkSecurity(values: values)
    }

    // MARK: - Helpers shared with BufferDaemonConfig

    private static func server(
        _ values: ConfigValues, section: String, host: String, port: String, proto: String, mode: String
    ) throws(ConfigError) -> Server? {
        guard let address = values.string(host, in: section), !address.isEmpty else { return nil }
        let number = try portNumber(values, port, in: section)
        let transport = values.string(proto, in: section) ?? "TCP"
        if transport.uppercased() != "TCP" {
            throw values.invalid(proto, in: section, "only TCP exists, found \"\(transport)\"")
        }
        let modeName = values.string(mode, in: section) ?? "acked"
        guard let delivery = DeliveryMode(rawValue: modeName.lowercased()) else {
            throw values.invalid(mode, in: section, "expected acked or legacy, found \"\(modeName)\"")
        }
        return Server(host: address, port: number, mode: delivery)
    }

    static func portNumber(_ values: ConfigValues, _ key: String, in section: String) throws(ConfigError) -> Int {
        let number = values.int(key, in: section) ?? 0
        guard (1...65535).contains(number) else {
            throw values.invalid(key, in: section, "a port is 1...65535, found \(number)")
        }
        return number
    }

    static func nonEmpty(_ values: ConfigValues, _ key: String, in section: String) throws(ConfigError) -> String {
        guard let text = values.string(key, in: section), !text.isEmpty else {
            throw values.invalid(key, in: section, "must not be empty")
        }
        return text
    }

    static func optional(_ values: ConfigValues, _ key: String, in section: String) -> String? {
        guard let text = values.string(key, in: section), !text.isEmpty else { return nil }
        return text
    }

    static func atLeast(
        _ minimum: Int, _ values: ConfigValues, _ key: String, in section: String
    ) throws(ConfigError) -> Int {
        let number = values.int(key, in: section) ?? minimum
        guard number >= minimum else { throw values.invalid(key, in: section, "must be at least \(minimum)") }
        return number
    }
}
