// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The BufferDaemon's configuration (`bufferdaemon.conf`, 11 sections).
///
/// The parallel lists BINDTO, PORT, DEC_MOD, DEC_FILE, TIMEINV, POP_MOD and POP_FILE must have
/// the same length; position *i* of each list makes ``entries``\[*i*\]. The key tables are in
/// docs/config.md.
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
        /// The line of the BINDTO item (nil when built in code).
        public var line: Int?

        public init(
            listen: ListenAddress, decoder: ModuleReference, timerInterval: Int, postprocessor: ModuleReference,
            line: Int? = nil
        ) {
            self.listen = listen
            self.decoder = decoder
            self.timerInterval = timerInterval
            self.postprocessor = postprocessor
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

    // MARK: - Schema

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
                ]),
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
                guard let number = ConfigSchema.parseDecimal(port.text), (1...65535).contains(number) else {
                    throw values.invalid(
                        "PORT", in: "PORT_NUMBER", line: port.line, "a port is 1...65535, found \"\(port.text)\"")
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
            entries.append(
                Entry(
                    listen: listen,
                    decoder: ModuleReference(name: lists[2][index].text, configFile: Self.file(lists[3][index])),
                    timerInterval: seconds,
                    postprocessor: ModuleReference(name: lists[5][index].text, configFile: Self.file(lists[6][index])),
                    line: bind.line))
        }
        var listeners: [ListenAddress: Int?] = [:]
        for entry in entries {
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
    }

    private static func file(_ item: ConfigValues.Item) -> String? { item.text.isEmpty ? nil : item.text }
}
