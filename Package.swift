// swift-tools-version: 6.1
// The M-ICE plugin host, daemons, operator tool and shipped plugins.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let dequeModule: Target.Dependency = .product(name: "DequeModule", package: "swift-collections")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let grdb: Target.Dependency = .product(name: "GRDB", package: "GRDB.swift")
let postgresNIO: Target.Dependency = .product(name: "PostgresNIO", package: "postgres-nio")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioSSL: Target.Dependency = .product(name: "NIOSSL", package: "swift-nio-ssl")
let x509: Target.Dependency = .product(name: "X509", package: "swift-certificates")
let asn1: Target.Dependency = .product(name: "SwiftASN1", package: "swift-asn1")

let package = Package(
    name: "mice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "micectl", targets: ["micectl"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        // MARK: - Libraries (dependencies flow downwards in this list)
        .target(name: "MICECore", swiftSettings: swiftSettings),
        .target(name: "MICEWire", dependencies: ["MICECore"], swiftSettings: swiftSettings),
        .target(name: "MICEPluginManifest", dependencies: ["MICECore"], swiftSettings: swiftSettings),
        // The original INI configuration files (parsecfg syntax) with schemas and typed configs.
        .target(name: "MICEConfig", swiftSettings: swiftSettings),
        .target(
            name: "MICEBench", dependencies: ["MICECore", "MICEStore", "MICERecords", "MICEReactionDaemon", "MICETLS"],
            swiftSettings: swiftSettings),
        .target(
            name: "MICEDaemon",
            dependencies: ["MICECore", "MICEConfig", "MICEPluginManifest", argumentParser, logging],
            swiftSettings: swiftSettings),
        // Follows log files (inotify or polling), rotation, truncation, persisted read positions.
        .target(name: "MICETail", dependencies: ["MICEConfig", logging, dequeModule], swiftSettings: swiftSettings),
        // Privilege separation: the root fd server (mice-fdserver), its client, privilege drop.
        .target(name: "MICEFdServer", dependencies: ["CMICESpawn", logging], swiftSettings: swiftSettings),
        // GNU spawn/pipe extensions that Swift's Glibc module does not import; wrappers only.
        .target(name: "CMICESpawn"),
        // PCLMULQDQ folding for MICETransport's CRC32.
        .target(name: "CMICECRC32"),
        .target(
            name: "MICEPluginHost",
            dependencies: ["CMICESpawn", "MICEWire", "MICEPluginManifest", "MICERecords", logging, dequeModule],
            swiftSettings: swiftSettings
        ),
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8"),
        // Hyperscan (libhyperscan-dev): every rule pattern of a ruleset in one pass over a line.
        .systemLibrary(name: "CHyperscan", pkgConfig: "libhs", providers: [.apt(["libhyperscan-dev"])]),
        // The IDMEF (RFC 4765) value model and its XML writer.
        .target(name: "MICEIDMEF", swiftSettings: swiftSettings),
        // The analysis engine: rule formats (original aa_regex, M-ICE rules, prelude-lml), matching, thresholds.
        .target(
            name: "MICEAnalysis", dependencies: ["MICEIDMEF", "MICERegex", "MICEConfig", "CHyperscan"],
            swiftSettings: swiftSettings),
        .target(name: "MICERegex", dependencies: ["CPCRE2"], swiftSettings: swiftSettings),
        .target(name: "MICERecords", dependencies: ["MICECore"], swiftSettings: swiftSettings),
        // libpcap (libpcap-dev): capture files, live interfaces, BPF filters.
        .systemLibrary(name: "CPcap", providers: [.apt(["libpcap-dev"])]),
        // Packets for the NFR engine: libpcap sources, link/IPv4/TCP/UDP/ICMP decoding, fragment
        // reassembly, a pcap writer and packet builders.
        .target(name: "MICEPacket", dependencies: ["CPcap", "MICERecords"], swiftSettings: swiftSettings),
        // The N-Code language (NFR backends): lexer, parser, closure compiler, values, built-ins.
        .target(name: "MICENCode", swiftSettings: swiftSettings),
        .systemLibrary(name: "CMcrypt", providers: [.apt(["libmcrypt-dev"])]),
        .target(
            name: "MICECrypto",
            dependencies: ["MICECore", "MICERecords", "CMcrypt"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MICEPluginKit", dependencies: ["MICECore", "MICEWire", "MICERecords", "MICECrypto"],
            swiftSettings: swiftSettings),
        // The format modules' common part: host identity, clock, record building, line parsers.
        .target(
            name: "MICELogFormat", dependencies: ["MICECore", "MICERecords", "MICEPluginKit"],
            swiftSettings: swiftSettings),
        // Keyed, reversible pseudonyms (HMAC-SIV over AES) for the pseudonymizer and micectl.
        .target(
            name: "MICEPseudonym", dependencies: ["MICECore", "MICERecords", "MICERegex", crypto],
            swiftSettings: swiftSettings),

        // The raw-log database: SQLite (GRDB, the embedded default) or PostgreSQL (postgres-nio).
        .target(
            name: "MICEStore",
            dependencies: ["MICECore", "MICERecords", grdb, postgresNIO, nioCore, nioPosix, nioSSL, logging],
            swiftSettings: swiftSettings
        ),
        // libxml2 for the IDMEF parser (Debian libxml2-dev).
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // The management host: IDMEF parsing, alert_entry (SQLite/PostgreSQL), act-generic's
        // mapping and FIFOs, the reaction agents' FIFO reader.
        .target(
            name: "MICEAlerts",
            dependencies: [
                "MICECore", "MICEConfig", "MICERecords", "MICEStore", "CLibXML2", grdb, postgresNIO, nioCore, nioSSL,
                logging, dequeModule,
            ],
            swiftSettings: swiftSettings
        ),
        // The NFR backend engine: packages, .cfg/.acf, recorders, throttled alerts.
        .target(
            name: "MICENFR",
            dependencies: ["MICEAlerts", "MICEIDMEF", "MICERecords", "MICETransport", "MICENCode", "MICEPacket"],
            swiftSettings: swiftSettings),
        .target(
            name: "MICEBuffer",
            dependencies: ["MICEWire", "MICEPluginHost", logging, dequeModule],
            swiftSettings: swiftSettings
        ),
        // Mutual TLS for the links (NIOSSL) and the project PKI (swift-certificates): CA, host
        // certificates, revocation list.
        .target(
            name: "MICETLS",
            dependencies: [
                nioCore, nioPosix, .product(name: "NIOTLS", package: "swift-nio"), nioSSL, x509, asn1, crypto, logging,
            ],
            swiftSettings: swiftSettings),
        // Daemon-to-daemon links: legacy fixed-size records or acknowledged frames, disk spool.
        .target(
            name: "MICETransport",
            dependencies: ["CMICECRC32", "MICEWire", "MICETLS", nioCore, nioPosix, logging, dequeModule],
            swiftSettings: swiftSettings
        ),
        // The BufferDaemon: listeners → decoding module → ring → postprocessing module, watermarks.
        .target(
            name: "MICEBufferDaemon",
            dependencies: [
                "MICEBuffer", "MICEConfig", "MICECore", "MICEDaemon", "MICEPluginHost", "MICEPluginManifest",
                "MICETLS", "MICETransport", "MICEWire",
                logging, dequeModule,
            ],
            swiftSettings: swiftSettings
        ),

        // The DataForwarder: tailer → format/filter/pseudonymizer modules → CipherMsg → links, exactly once.
        .target(
            name: "MICEForwarder",
            dependencies: [
                "MICEConfig", "MICECore", "MICECrypto", "MICEDaemon", "MICEFdServer", "MICELogFormat", "MICEPluginHost",
                "MICEPluginManifest", "MICERecords", "MICETail", "MICETLS", "MICETransport", "MICEWire", logging,
            ],
            swiftSettings: swiftSettings
        ),

        // The ReactionDaemon: stCipherRctMsg requests → reaction modules in fresh sandboxed processes.
        .target(
            name: "MICEReactionDaemon",
            dependencies: [
                "MICEConfig", "MICECore", "MICECrypto", "MICEDaemon", "MICEPluginHost", "MICEPluginManifest",
                "MICERecords", "MICETLS", "MICETransport", "MICEWire", "CMICEReaction", crypto, nioCore, nioPosix,
                logging,
            ],
            swiftSettings: swiftSettings
        ),

        // setns for the reaction client (tests and bench reach a daemon inside a network namespace).
        .target(name: "CMICEReaction"),
        // Helpers for reaction modules: programs run by argv (posix_spawn), the JSON report.
        .target(name: "MICEReactionKit", dependencies: ["CMICESpawn"], swiftSettings: swiftSettings),

        // MARK: - Executables
        .executableTarget(
            name: "mice-reactiondaemon",
            dependencies: ["MICEReactionDaemon", "MICEConfig", "MICECore", "MICEDaemon", argumentParser, logging],
            swiftSettings: swiftSettings),
        // The exec wrapper that sandboxes each reaction process (Landlock, seccomp via libseccomp-dev).
        .executableTarget(name: "mice-sandbox", linkerSettings: [.linkedLibrary("seccomp")]),
        .executableTarget(
            name: "micectl",
            dependencies: [
                "MICECore", "MICEWire", "MICEPluginManifest", "MICERecords", "MICECrypto", "MICEPluginHost",
                "MICEPseudonym", "MICEStore", "MICEBench", "MICEDaemon", "MICEAnalysis", "MICEIDMEF", "MICEAlerts",
                "MICENCode", "MICENFR", "MICEPacket", "MICETLS", "MICETransport", "MICEReactionDaemon", argumentParser,
                logging,
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "mice-dataforwarder",
            dependencies: ["MICEForwarder", "MICEConfig", "MICEDaemon", argumentParser, logging],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "mice-bufferdaemon",
            dependencies: [
                "MICEBufferDaemon", "MICEConfig", "MICECore", "MICEDaemon", "MICEFdServer", "MICETransport",
                argumentParser,
                logging,
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-fdserver", dependencies: ["MICEFdServer", argumentParser], swiftSettings: swiftSettings),

        // MARK: - Shipped plugins (plugins/<kind>/<name>/, executable = name)
        .executableTarget(
            name: "mice-fmt-simple",
            dependencies: ["MICEPluginKit", "MICERecords", "MICELogFormat"],
            path: "plugins/format/mice-fmt-simple",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-fmt-enhanced",
            dependencies: ["MICEPluginKit", "MICERecords", "MICELogFormat"],
            path: "plugins/format/mice-fmt-enhanced",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-flt-regex",
            dependencies: ["MICEPluginKit", "MICERecords", "MICERegex"],
            path: "plugins/filter/mice-flt-regex",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-dec-logformat",
            dependencies: ["MICEPluginKit", "MICERecords", "MICECrypto"],
            path: "plugins/decoding/mice-dec-logformat",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-dec-idmef",
            dependencies: ["MICEPluginKit", "MICERecords", "MICECrypto"],
            path: "plugins/decoding/mice-dec-idmef",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-pop-syslog",
            dependencies: ["MICEPluginKit", "MICERecords"],
            path: "plugins/postprocessing/mice-pop-syslog",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-pop-rawlog",
            dependencies: ["MICEPluginKit", "MICERecords", "MICEStore"],
            path: "plugins/postprocessing/mice-pop-rawlog",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-pop-act-generic",
            dependencies: ["MICEPluginKit", "MICERecords", "MICEAlerts", "MICEStore"],
            path: "plugins/postprocessing/mice-pop-act-generic",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-pop-aa-regex",
            dependencies: [
                "MICEPluginKit", "MICERecords", "MICECrypto", "MICEAnalysis", "MICEIDMEF", "MICETLS", "MICETransport",
                logging,
            ],
            path: "plugins/postprocessing/mice-pop-aa-regex",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-agent-file",
            dependencies: ["MICEPluginKit", "MICERecords", "MICEAlerts"],
            path: "plugins/agents/mice-agent-file",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-agent-alertdb",
            dependencies: ["MICEPluginKit", "MICERecords", "MICEAlerts", "MICEStore"],
            path: "plugins/agents/mice-agent-alertdb",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-agent-countermeasure",
            dependencies: ["MICEPluginKit", "MICERecords", "MICEAlerts", "MICECrypto", "MICETLS"],
            path: "plugins/agents/mice-agent-countermeasure",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-agent-mail",
            dependencies: ["MICEPluginKit", "MICERecords", "MICEAlerts"],
            path: "plugins/agents/mice-agent-mail",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        // Runs a script per alert (no shell); also the exec of plugins/agents/mice-agent-sh-example.
        .executableTarget(
            name: "mice-agent-shell",
            dependencies: ["MICEPluginKit", "MICERecords", "MICEAlerts"],
            path: "plugins/agents/mice-agent-shell",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-rct-log",
            dependencies: ["MICEPluginKit"],
            path: "plugins/reaction/mice-rct-log",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-rct-block",
            dependencies: ["MICEPluginKit", "MICEReactionKit"],
            path: "plugins/reaction/mice-rct-block",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-rct-kill",
            dependencies: ["MICEPluginKit", "MICEReactionKit"],
            path: "plugins/reaction/mice-rct-kill",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-rct-account",
            dependencies: ["MICEPluginKit", "MICEReactionKit"],
            path: "plugins/reaction/mice-rct-account",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-rct-run",
            dependencies: ["MICEPluginKit", "MICEReactionKit"],
            path: "plugins/reaction/mice-rct-run",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-psd-empty",
            dependencies: ["MICEPluginKit"],
            path: "plugins/pseudonymizer/mice-psd-empty",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mice-psd-keyed",
            dependencies: ["MICEPluginKit", "MICERecords", "MICEPseudonym"],
            path: "plugins/pseudonymizer/mice-psd-keyed",
            exclude: ["plugin.json"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Test-only executables
        .executableTarget(
            name: "mice-test-plugin",
            dependencies: ["MICECore", "MICEWire", "MICEPluginKit"],
            path: "Tests/Fixtures/swift-plugin",
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "mice-test-privdrop",
            dependencies: ["MICEFdServer", logging],
            path: "Tests/Fixtures/privdrop",
            swiftSettings: swiftSettings
        ),
        // A reaction module that misbehaves on request (sandbox tests).
        .executableTarget(
            name: "mice-test-reaction",
            dependencies: ["MICEPluginKit", "MICEReactionKit"],
            path: "Tests/Fixtures/reaction-plugin",
            swiftSettings: swiftSettings
        ),
        // A link sender or receiver in its own process, so tests can kill it (-9) mid-stream.
        .executableTarget(
            name: "mice-test-linkpeer",
            dependencies: ["MICETransport", nioCore, logging],
            path: "Tests/Fixtures/linkpeer",
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests
        .target(
            name: "MICETestSupport", dependencies: ["MICERecords", postgresNIO, logging], path: "Tests/MICETestSupport",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MICEWireTests", dependencies: ["MICEWire", "MICETestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "MICEConfigTests", dependencies: ["MICEConfig"], swiftSettings: swiftSettings),
        // PKI files and modes, certificate content, revocation, what TLSIdentity refuses.
        .testTarget(
            name: "MICETLSTests", dependencies: ["MICETLS", x509, asn1, nioCore, nioPosix], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MICEDaemonTests",
            dependencies: ["MICEDaemon", "MICEPluginManifest", "MICECore", "MICETestSupport", logging],
            swiftSettings: swiftSettings),
        // Starts the built mice-fdserver and mice-test-privdrop next to the test bundle.
        .testTarget(
            name: "MICEFdServerTests", dependencies: ["MICEFdServer", "MICETail", "MICEConfig", logging],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MICETailTests", dependencies: ["MICETail", "MICEConfig", "MICERecords", logging],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MICEPluginHostTests",
            dependencies: ["MICEPluginHost", "MICECore", "MICEWire", "MICEPluginManifest", "MICETestSupport", logging],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MICEBufferTests",
            dependencies: [
                "MICEBuffer", "MICEPluginHost", "MICEPluginManifest", "MICERecords", "MICECore", "MICETestSupport",
                logging,
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "MICERegexTests", dependencies: ["MICERegex"], swiftSettings: swiftSettings),
        // Reads the captures in ../shared/data/pcap (or $MICE_PCAP_DIR), runs tcpdump (setup.sh), and
        // captures on the loopback interface.
        .testTarget(
            name: "MICEPacketTests", dependencies: ["MICEPacket", "MICETestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MICENCodeTests", dependencies: ["MICENCode", "MICETestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MICEAnalysisTests", dependencies: ["MICEAnalysis", "MICEBench", "MICEIDMEF", "MICETestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MICELogFormatTests", dependencies: ["MICELogFormat", "MICERecords"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MICEPseudonymTests",
            dependencies: ["MICECore", "MICEPseudonym", "MICERecords", "MICERegex", "MICETestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MICERecordsTests", dependencies: ["MICECore", "MICERecords", "MICETestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MICECryptoTests",
            dependencies: ["MICECore", "MICERecords", "MICECrypto", "MICETestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MICEPluginManifestTests",
            dependencies: ["MICEPluginManifest", "MICECore"],
            swiftSettings: swiftSettings
        ),
        // Starts a real PostgreSQL server (Debian's postgresql package) and writes real SQLite files.
        .testTarget(
            name: "MICEStoreTests",
            dependencies: [
                "MICEStore", "MICERecords", "MICECore", "MICEPluginHost", "MICEPluginManifest", "MICEWire",
                "MICETestSupport", logging, grdb, postgresNIO, nioCore,
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MICETransportTests",
            dependencies: [
                "MICETransport", "MICETLS", "MICEWire", nioCore, nioPosix, nioSSL,
                .product(name: "NIOEmbedded", package: "swift-nio"), logging,
            ],
            swiftSettings: swiftSettings
        ),
        // Runs the built mice-dataforwarder (with mice-fdserver and the shipped plugins) against a
        // LinkServer in the test process.
        .testTarget(
            name: "MICEForwarderTests",
            dependencies: [
                "MICEForwarder", "MICETransport", "MICERecords", "MICECrypto", "MICECore", "MICETestSupport",
                "mice-dataforwarder", "mice-fdserver", "mice-fmt-simple", "mice-flt-regex", "mice-psd-empty",
                "micectl", logging,
            ],
            swiftSettings: swiftSettings
        ),
        // Starts the built mice-bufferdaemon with the shipped decoder and raw-log store (and
        // mice-test-plugin as a slow store); `swift test` builds them first with every other product.
        .testTarget(
            name: "MICEBufferDaemonTests",
            dependencies: [
                "MICEBufferDaemon", "MICERecords", "MICEStore", "MICETransport", "MICETestSupport", logging,
            ],
            swiftSettings: swiftSettings
        ),
        // Runs the built micectl binary; `swift test` builds it first along with every other product.
        .testTarget(name: "MicectlTests", dependencies: ["MICETestSupport"], swiftSettings: swiftSettings),
        // Starts every plugin of plugins/ through the real host; `swift test` builds their executables
        // first, and the tests run `make -C contrib` for the C programs.
        // Starts the built mice-bufferdaemon and mice-dataforwarder (and their plugins) as processes.
        .testTarget(
            name: "LogPathTests",
            dependencies: ["MICEBench", "MICECore", "MICEStore", "MICERecords", "MICETestSupport"],
            swiftSettings: swiftSettings
        ),
        // The management host: a real mice-bufferdaemon with mice-dec-idmef and mice-pop-act-generic,
        // real FIFOs read by the shipped agents, a real SMTP server and TCP listener, SQLite and
        // PostgreSQL.
        .testTarget(
            name: "MICENFRTests",
            dependencies: ["MICENFR", "MICEAlerts", "MICEIDMEF", "MICEPacket", "MICETestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MICEAlertsTests",
            dependencies: [
                "MICEAlerts", "MICERecords", "MICECrypto", "MICEStore", "MICECore", "MICEDaemon", "MICEPluginHost",
                "MICEPluginManifest", "MICEWire", "MICETestSupport", logging,
            ],
            swiftSettings: swiftSettings
        ),
        // The alert path as processes: mice-dataforwarder → analysis mice-bufferdaemon (mice-pop-aa-regex)
        // → management mice-bufferdaemon (mice-pop-act-generic, file agent); the Suricata bridge script.
        .testTarget(
            name: "AlertPathTests",
            dependencies: ["MICEAlerts", "MICEBench", "MICECore", "MICERecords", "MICETestSupport"],
            swiftSettings: swiftSettings
        ),
        // Starts the built mice-reactiondaemon (with mice-sandbox, the reaction plugins and
        // mice-test-reaction) as a process; the firewall tests make network namespaces (root).
        .testTarget(
            name: "ReactionDaemonTests",
            dependencies: [
                "MICEReactionDaemon", "MICEBench", "MICEAlerts", "MICEConfig", "MICECore", "MICECrypto",
                "MICEPluginHost",
                "MICEPluginManifest", "MICERecords", "MICETLS", "MICETestSupport", logging,
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ShippedPluginTests",
            dependencies: [
                "MICEPluginHost", "MICEPluginManifest", "MICERecords", "MICECrypto", "MICECore", "MICEWire",
                "MICEPseudonym", "MICEDaemon", "MICETLS", "MICETransport", "MICETestSupport", logging,
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
