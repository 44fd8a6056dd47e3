// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The BufferDaemon's configuration (`bufferdaemon.conf`: the original 11 sections, plus the
/// optional sections LINK, OVERLOAD and BATCHES of this implementation).
///
/// The parallel lists BINDTO, PORT, DEC_MOD, DEC_FILE, TIMEINV, POP_MOD and POP_FILE must have
/// the same length; position *i* of each list makes ``entries``\[*i*\]. The optional lists
/// LINKMODE, OVERFLOW and BATCHSIZE, when present, must have that length too. The key tables are
/// in docs/config.md.
public struct BufferDaemonConfig: Sendable, Hashable {
    /// A module and its configuration file.
    public struct ModuleReference: Sendable, Hashable {
        /// The module's name as written (DEC_MOD / POP_MOD).
        public var name: String
        /// Its configuration file (DEC_FILE / POP_FILE); nil when the item is `""`.
        public var configFile: String?

        public init(name: String, configFile: String?) {
            self.name = name
            self.configFile = configFile
        }
    }

    /// How an entry's senders deliver records (LINKMODE).
    public enum LinkMode: String, Sendable, Hashable, CaseIterable {
        /// Framed records with sequence numbers, acknowledged once stored (this implementation's peers).
        case acked
        /// Back-to-back fixed-size records without acknowledgement (original DataForwarders).
        case legacy
    }

    /// What a full ring buffer does with a new record (OVERFLOW).
    public enum Overflow: String, Sendable, Hashable, CaseIterable {
        /// Senders wait (TCP back-pressure); nothing is dropped.
        case block
        /// The new record is dropped and counted.
        case dropNewest = "drop-newest"
        /// The oldest queued record is dropped and counted.
        case dropOldest = "drop-oldest"
    }

    /// One listener with its decoder, ring-buffer drain interval and postprocessor.
    public struct Entry: Sendable, Hashable {
        /// Where it listens (BINDTO + PORT; a BINDTO starting with `/` is a Unix socket path and
        /// its PORT item is ignored).
        public var listen: ListenAddress
        /// The decoding module (DEC_MOD + DEC_FILE).
        public var decoder: ModuleReference
        /// TIMEINV: seconds between ring-buffer drains (0: drain as soon as records arrive).
        public var timerInterval: Int
        /// The postprocessing module (POP_MOD + POP_FILE).
        public var postprocessor: ModuleReference
        /// LINKMODE: acked (default) or legacy.
        public var linkMode: LinkMode
        /// OVERFLOW: what a full ring does (default block).
        public var overflow: Overflow
        /// BATCHSIZE: records per postprocessing batch (default 1000); a full batch goes out
        /// before TIMEINV has passed.
        public var batchSize: Int
        /// The line of the BINDTO item (nil when built in code).
        public var line: Int?

        public init(
            listen: ListenAddress, decoder: ModuleReference, timerInterval: Int, postprocessor: ModuleReference,
            linkMode: LinkMode = .acked, overflow: Overflow = .block, batchSize: Int = 1000, line: Int? = nil
        ) {
            self.listen = listen
            self.decoder = decoder
            self.timerInterval = timerInterval
            self.postprocessor = postprocessor
            self.linkMode = linkMode
            self.overflow = overflow
            self.batchSize = batchSize
            self.line = line
        }
    }

    /// The listeners, in list order.
    public var entries: [Entry]
    /// MODPATH: where modules (plugins) are found.
    public var modulePath: String
    /// MMPATH (parsed, not used: the original never stored data in it).
    public var cachePath: String?
    /// MMSIZE (parsed, not used).
    public var cacheSize: Int
    /// RBSIZE: records held per ring buffer.
    public var ringBufferSize: Int
    /// PSEUDO (parsed, not used; as in the original).
    public var pseudonymize: Bool
    /// USER the daemon runs as after binding.
    public var user: String
    /// GROUP the daemon runs as after binding.
    public var group: String
    /// CHROOT (parsed, not used).
    public var chroot: String?
    /// PIDPATH: the folder of the PID file.
    public var pidPath: String
    /// BACKLOG: the listen backlog.
    public var backlog: Int
    /// LAYOUT: the LogFormat layout announced to the modules, `seed` (default) or `0.2`.
    public var layout: String
    /// STATEDIR: where the per-entry acknowledgement watermarks and the modules' state live.
    public var stateDirectory: String
    /// AGENT + AGENT_FILE: the reaction agents the daemon starts and supervises (management host).
    public var agents: [ModuleReference] = []
    /// `[TLS]`: mutual TLS on every TCP listener, or the original plaintext links (Unix sockets stay local).
    public var security: LinkSecurity = .plaintext(acknowledged: false)

    // MARK: - Schema

    /// The optional per-entry lists of this implementation (defaults: acked, block, 1000).
    static let optionalLists: [(section: String, key: String)] = [
        ("LINK", "LINKMODE"), ("OVERLOAD", "OVERFLOW"), ("BATCHES", "BATCHSIZE"),
    ]

    static let parallelLists: [(section: String, key: String)] = [
        ("ADDRESS", "BINDTO"), ("PORT_NUMBER", "PORT"), ("DECODING_MODULES", "DEC_MOD"),
        ("DECODING_MODULES_CONFIG_FILE", "DEC_FILE"), ("TIME_INTERVALS", "TIMEINV"),
        ("POSTPROC_MODULES", "POP_MOD"), ("POSTPROC_MODULES_CONFIG_FILE", "POP_FILE"),
    ]

    /// The sections and keys of `bufferdaemon.conf`.
    public static let schema = ConfigSchema(
        name: "bufferdaemon.conf",
        sections: [
            .init(
                "ADDRESS", [.init("BINDTO", .stringList, required: true, "listen address, or /path of a Unix socket")]),
            .init("PORT_NUMBER", [.init("PORT", .stringList, required: true, "TCP port per entry")]),
            .init(
                "MODULES_SEARCH_PATH",
                [.init("MODPATH", .string, default: .string("/usr/lib/mice/plugins"), "module folder")]
            ),
            .init("DECODING_MODULES", [.init("DEC_MOD", .stringList, required: true, "decoding module per entry")]),
            .init(
                "DECODING_MODULES_CONFIG_FILE",
                [.init("DEC_FILE", .stringList, required: true, "its configuration file (\"\" = none)")]),
            .init(
                "POSTPROC_MODULES", [.init("POP_MOD", .stringList, required: true, "postprocessing module per entry")]),
            .init(
                "POSTPROC_MODULES_CONFIG_FILE",
                [.init("POP_FILE", .stringList, required: true, "its configuration file (\"\" = none)")]),
            .init(
                "TIME_INTERVALS", [.init("TIMEINV", .stringList, required: true, "seconds between drains per entry")]),
            .init(
                "CACHE_AND_RINGBUFFER",
                [
                    .init("MMPATH", .string, "parsed, not used"),
                    .init("MMSIZE", .int, default: .int(0), "parsed, not used"),
                    .init("RBSIZE", .int, default: .int(100), "records per ring buffer"),
                ]),
            .init(
                "SECURITY_AND_PRIVACY",
                [
                    .init("PSEUDO", .bool, "parsed, not used"),
                    .init("USER", .string, default: .string("nobody"), "user the daemon runs as"),
                    .init("GROUP", .string, default: .string("nogroup"), "group the daemon runs as"),
                    .init("CHROOT", .string, "parsed, not used"),
                ]),
            .init(
                "MISC",
                [
                    .init("PIDPATH", .string, default: .string("/var/run/M-ICE/"), "folder of the PID file"),
                    .init("BACKLOG", .int, default: .int(16), "listen backlog"),
                    .init("LAYOUT", .string, default: .string("seed"), "LogFormat layout: seed or 0.2"),
                    .init(
                        "STATEDIR", .string, default: .string("/var/lib/M-ICE/bufferdaemon"),
                        "acknowledgement watermarks and module state"),
                ]),
            .init("LINK", [.init("LINKMODE", .stringList, "acked or legacy per entry (default acked)")]),
            .init(
                "OVERLOAD",
                [.init("OVERFLOW", .stringList, "block, drop-newest or drop-oldest per entry (default block)")]),
            .init("BATCHES", [.init("BATCHSIZE", .stringList, "records per postprocessing batch per entry")]),
            .init(
                "AGENTS",
                [
                    .init("AGENT", .stringList, "reaction agent started and supervised by the daemon"),
                    .init("AGENT_FILE", .stringList, "its configuration file (\"\" = none), parallel to AGENT"),
                ]),
            LinkSecurity.schemaSection,
        ])

    // MARK: - Loading

    /// Reads, parses and checks a `bufferdaemon.conf`.
    /// - Throws: ``ConfigError`` naming the file, line and key.
    public static func load(path: String) throws(ConfigError) -> BufferDaemonConfig {
        try BufferDaemonConfig(values: schema.validate(ConfigDocument.load(path: path)))
    }

    /// Parses and checks configuration text.
    /// - Parameter file: The name used in error messages.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> BufferDaemonConfig {
        try BufferDaemonConfig(values: schema.validate(ConfigDocument.parse(text, file: file)))
    }

    /// Builds the typed configuration from validated values; checks the parallel lists, ports,
    /// intervals and sizes.
    public init(values: ConfigValues) throws(ConfigError) {
        let lists = Self.parallelLists.map { values.list($0.key, in: $0.section) }
        let count = lists[0].count
        if let mismatch = lists.firstIndex(where: { $0.count != count }) {
            let counts = zip(Self.parallelLists, lists).map { "\($0.0.key) \($0.1.count)" }.joined(separator: ", ")
            let (section, key) = Self.parallelLists[mismatch]
            throw ConfigError(
                .listLengthMismatch, file: values.file, line: values.line(of: key, in: section), section: section,
                key: key, "the lists of one entry per listener differ in length: \(counts)")
        }
        if count == 0 {
            throw values.invalid("BINDTO", in: "ADDRESS", "the list is empty: there is nothing to listen on")
        }
        var extra: [[ConfigValues.Item?]] = []
        for (section, key) in Self.optionalLists {
            let items = values.list(key, in: section)
            guard values.isSet(key, in: section) else {
                extra.append(Array(repeating: nil, count: count))
                continue
            }
            guard items.count == count else {
                throw ConfigError(
                    .listLengthMismatch, file: values.file, line: values.line(of: key, in: section), section: section,
                    key: key, "\(key) has \(items.count) items, the entries are \(count) (BINDTO)")
            }
            extra.append(items)
        }
        var entries: [Entry] = []
        for index in 0..<count {
            let bind = lists[0][index]
            let listen: ListenAddress
            if bind.text.hasPrefix("/") {
                listen = .unix(path: bind.text)
            } else {
                guard !bind.text.isEmpty else {
                    throw values.invalid("BINDTO", in: "ADDRESS", line: bind.line, "empty listen address")
                }
                let port = lists[1][index]
                guard let number = ConfigSchema.parseDecimal(port.text), (0...65535).contains(number) else {
                    throw values.invalid(
                        "PORT", in: "PORT_NUMBER", line: port.line,
                        "a port is 1...65535 (0: any free port), found \"\(port.text)\"")
                }
                listen = .tcp(host: bind.text, port: number)
            }
            let interval = lists[4][index]
            guard let seconds = ConfigSchema.parseDecimal(interval.text), seconds >= 0 else {
                throw values.invalid(
                    "TIMEINV", in: "TIME_INTERVALS", line: interval.line,
                    "expected whole seconds (0 or more), found \"\(interval.text)\"")
            }
            for (list, key, section) in [(2, "DEC_MOD", "DECODING_MODULES"), (5, "POP_MOD", "POSTPROC_MODULES")]
            where lists[list][index].text.isEmpty {
                throw values.invalid(key, in: section, line: lists[list][index].line, "empty module name")
            }
            let linkText = extra[0][index]?.text ?? "acked"
            guard let linkMode = LinkMode(rawValue: linkText.lowercased()) else {
                throw values.invalid(
                    "LINKMODE", in: "LINK", line: extra[0][index]?.line,
                    "expected acked or legacy, found \"\(linkText)\"")
            }
            let overflowText = extra[1][index]?.text ?? "block"
            guard let overflow = Overflow(rawValue: overflowText.lowercased()) else {
                throw values.invalid(
                    "OVERFLOW", in: "OVERLOAD", line: extra[1][index]?.line,
                    "expected block, drop-newest or drop-oldest, found \"\(overflowText)\"")
            }
            let batchText = extra[2][index]?.text ?? "1000"
            guard let batchSize = ConfigSchema.parseDecimal(batchText), batchSize >= 1 else {
                throw values.invalid(
                    "BATCHSIZE", in: "BATCHES", line: extra[2][index]?.line,
                    "expected a whole number of records (1 or more), found \"\(batchText)\"")
            }
            entries.append(
                Entry(
                    listen: listen,
                    decoder: ModuleReference(name: lists[2][index].text, configFile: Self.file(lists[3][index])),
                    timerInterval: seconds,
                    postprocessor: ModuleReference(name: lists[5][index].text, configFile: Self.file(lists[6][index])),
                    linkMode: linkMode, overflow: overflow, batchSize: batchSize, line: bind.line))
        }
        var listeners: [ListenAddress: Int?] = [:]
        for entry in entries {
            if case .tcp(_, 0) = entry.listen { continue }
            if let first = listeners[entry.listen] {
                throw values.invalid(
                    "BINDTO", in: "ADDRESS", line: entry.line,
                    "\(entry.listen) is already used by the entry on line \(first.map(String.init) ?? "?")")
            }
            listeners[entry.listen] = entry.line
        }
        self.entries = entries

        modulePath = try DataForwarderConfig.nonEmpty(values, "MODPATH", in: "MODULES_SEARCH_PATH")
        cachePath = DataForwarderConfig.optional(values, "MMPATH", in: "CACHE_AND_RINGBUFFER")
        cacheSize = try DataForwarderConfig.atLeast(0, values, "MMSIZE", in: "CACHE_AND_RINGBUFFER")
        ringBufferSize = try DataForwarderConfig.atLeast(1, values, "RBSIZE", in: "CACHE_AND_RINGBUFFER")
        pseudonymize = values.bool("PSEUDO", in: "SECURITY_AND_PRIVACY")
        user = try DataForwarderConfig.nonEmpty(values, "USER", in: "SECURITY_AND_PRIVACY")
        group = try DataForwarderConfig.nonEmpty(values, "GROUP", in: "SECURITY_AND_PRIVACY")
        chroot = DataForwarderConfig.optional(values, "CHROOT", in: "SECURITY_AND_PRIVACY")
        pidPath = try DataForwarderConfig.nonEmpty(values, "PIDPATH", in: "MISC")
        backlog = try DataForwarderConfig.atLeast(1, values, "BACKLOG", in: "MISC")
        layout = try DataForwarderConfig.nonEmpty(values, "LAYOUT", in: "MISC")
        guard ["seed", "0.2"].contains(layout) else {
            throw values.invalid("LAYOUT", in: "MISC", "expected seed or 0.2, found \"\(layout)\"")
        }
        stateDirectory = try DataForwarderConfig.nonEmpty(values, "STATEDIR", in: "MISC")
        agents = try Self.agents(values)
        security = try LinkSecurity(values: values)
    }

    private static func file(_ item: ConfigValues.Item) -> String? { item.text.isEmpty ? nil : item.text }
}
