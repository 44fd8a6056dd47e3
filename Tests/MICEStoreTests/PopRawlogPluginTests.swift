// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import GRDB
import Logging
import MICECore
import MICEPluginHost
import MICEPluginManifest
import MICERecords
import MICEStore
import MICETestSupport
import MICEWire
import Testing

/// mice-pop-rawlog through the real host (`PluginConnection`), as the BufferDaemon runs it.
@Suite("mice-pop-rawlog end to end", .timeLimit(.minutes(5)))
struct PopRawlogPluginTests {
    static let logger: Logger = {
        var logger = Logger(label: "mice.test.rawlog")
        logger.logLevel = .critical
        return logger
    }()

    /// The shipped manifest, loaded and validated as the daemons load it.
    static func manifest() throws -> PluginManifest {
        let report = PluginManifestLoader().load(
            pluginDirectory: StoreTests.repositoryRoot + "/plugins/postprocessing/mice-pop-rawlog")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        return try report.get()
    }

    /// Starts the plugin, runs `body`, shuts it down (expecting exit 0) and returns its last stderr lines.
    @discardableResult
    static func withPlugin(
        layout: LogFormatLayout, configuration: [String: JSONValue], stateDirectory: String? = nil,
        _ body: (PluginConnection) async throws -> Void
    ) async throws -> [String] {
        let manifest = try manifest()
        #expect(manifest.configurationProblems(configuration).isEmpty)
        let connection = try await PluginConnection.launch(
            manifest: manifest,
            options: PluginSpawnOptions(
                binDirectory: StoreTests.binDirectory, stateDirectory: stateDirectory, configuration: configuration,
                layout: layout.rawValue),
            logger: logger)
        var failure: (any Error)?
        do {
            try await body(connection)
        } catch {
            failure = error
        }
        let status = await connection.shutdown(reason: "test done")
        #expect(status == .exited(0), "mice-pop-rawlog ended with \(status)")
        await connection.process.stderr.waitForEnd(timeout: 10)
        if let failure { throw failure }
        return connection.process.stderr.tail
    }

    /// The transactions count of the plugin's closing log line.
    static func transactions(in lines: [String]) -> Int? {
        guard let line = lines.last(where: { $0.contains(" transactions;") }) else { return nil }
        let words = line.split(separator: " ")
        guard let index = words.firstIndex(of: "transactions;"), index > 0 else { return nil }
        return Int(words[index - 1])
    }

    @Test(
        "SQLite: each REPLY arrives after its commit; 0.2 records land typed; a batch of 1000 commits in few transactions"
    )
    func sqliteEndToEnd() async throws {
        try await StoreTests.withTemporaryDirectory { folder in
            let path = folder + "/db/rawlog.sqlite"
            let lines = try await Self.withPlugin(
                layout: .v02, configuration: ["path": .string(path), "timezone": "UTC"]
            ) { plugin in
                #expect(plugin.initValue == Int64(LogFormatLayout.v02.size))
                // Another connection, as `micectl logs query` would open it.
                let observer = try SQLiteRawLogStore(path: path, options: .init(readOnly: true))
                for index in 0..<20 {
                    let record = StoreTests.line("single \(index)").encode(layout: .v02)
                    let reply = try await plugin.call(ModuleCall(data: record))
                    #expect(reply.returnValue == 0)
                    #expect(try await observer.count(.rawlog) == index + 1, "reply \(index) came before its commit")
                }
                let typed = [StoreTests.scslog(), StoreTests.firewall()].map {
                    ModuleCall(data: $0.encode(layout: .v02))
                }
                #expect(try await plugin.call(batch: typed).map(\.returnValue) == [0, 0])
                #expect(try await observer.query(RawLogQuery(tables: [.scslog])).first?.scsLog == StoreTests.scsFields)
                #expect(
                    try await observer.query(RawLogQuery(tables: [.firewall])).first?.firewall
                        == StoreTests.firewallFields)

                let bulk = (0..<1000).map { StoreTests.line("bulk \($0)").encode(layout: .v02) }
                let values = try await plugin.callReturnValues(payloads: bulk)
                #expect(values == Array(repeating: 0, count: 1000))
                #expect(try await observer.count(.rawlog) == 20 + 1000)
                try await observer.close()
            }
            let transactions = try #require(Self.transactions(in: lines), "no closing line in \(lines)")
            #expect(transactions <= 20 + 1 + 100, "1022 records took \(transactions) transactions")
            #expect(lines.contains { $0.contains("stored 1022 records") }, "\(lines)")
        }
    }

    @Test("hostile wire records: SQL quotes, invalid UTF-8, control bytes, 4095 bytes are stored as sent")
    func hostileRecords() async throws {
        try await StoreTests.withTemporaryDirectory { folder in
            let path = folder + "/rawlog.sqlite"
            // On the wire a line ends at its first NUL, so the hostile lines are sent without NUL bytes.
            let lines = StoreTests.hostileLines.map { $0.filter { $0 != 0 } }
            try await Self.withPlugin(layout: .v02, configuration: ["path": .string(path)]) { plugin in
                var records = lines.map { StoreTests.line(bytes: $0, host: "hostile").encode(layout: .v02) }
                var sneaky = StoreTests.line("sneaky", host: "x'); DROP TABLE rawlog_line; --")
                sneaky.fileType = LogFormat.FTF_SCSLOG
                sneaky.logType = .scsLog(SCSLogFormat(program: Array("'; DROP TABLE scslog_line; --".utf8)))
                records.append(sneaky.encode(layout: .v02))
                let values = try await plugin.callReturnValues(payloads: records)
                #expect(values == Array(repeating: 0, count: records.count))
            }
            let store = try SQLiteRawLogStore(path: path, options: .init(readOnly: true))
            let stored = try await store.query(host: "hostile")
            #expect(Set(stored.map(\.logline)) == Set(lines))
            #expect(stored.contains { $0.logline.count == 4095 })
            let sneaky = try #require(try await store.query(RawLogQuery(tables: [.scslog])).first)
            #expect(sneaky.hostname == "x'); DROP TABLE rawlog_line; --")
            #expect(sneaky.scsLog?[text: \.program] == "'; DROP TABLE scslog_line; --")
            try await store.close()
        }
    }

    @Test("a record of the wrong size is -1, a failed commit is -2 for its records, and storing goes on")
    func failures() async throws {
        try await StoreTests.withTemporaryDirectory { folder in
            let path = folder + "/rawlog.sqlite"
            // The seed layout this time, with the file in the plugin's state directory.
            let lines = try await Self.withPlugin(
                layout: .seed, configuration: ["path": "rawlog.sqlite"], stateDirectory: folder
            ) { plugin in
                #expect(plugin.initValue == 1688)
                #expect(try await plugin.call(ModuleCall(data: Array(repeating: 0x41, count: 1687))).returnValue == -1)
                #expect(try await plugin.call(ModuleCall(data: StoreTests.line("ok").encode())).returnValue == 0)
                let writer = try DatabaseQueue(path: path)
                try await writer.write { db in
                    try db.execute(
                        sql: """
                            CREATE TRIGGER "poison" BEFORE INSERT ON "rawlog_line" WHEN NEW."hostname" = 'poison'
                            BEGIN SELECT RAISE(ABORT, 'poisoned row'); END
                            """)
                }
                try writer.close()
                let poisoned = StoreTests.line("refused", host: "poison").encode()
                #expect(try await plugin.call(ModuleCall(data: poisoned)).returnValue == -2)
                #expect(try await plugin.call(ModuleCall(data: StoreTests.line("again").encode())).returnValue == 0)
                #expect(plugin.isOpen)
            }
            #expect(lines.contains { $0.contains("1687 bytes") }, "\(lines)")
            #expect(
                lines.contains { $0.contains("not stored (answered -2)") && $0.contains("poisoned row") }, "\(lines)")
            let store = try SQLiteRawLogStore(path: path, options: .init(readOnly: true))
            #expect(try await store.query(limit: 10).map(\.loglineText) == ["ok", "again"])
            try await store.close()
        }
    }

    @Test("throughput through the host: 5 batches of 1000 records into SQLite (printed)")
    func throughput() async throws {
        try await StoreTests.withTemporaryDirectory { folder in
            let path = folder + "/rawlog.sqlite"
            let records = (0..<1000).map { index in
                StoreTests.line(
                    "Sep  5 18:55:00 host sshd[\(index)]: Failed password for invalid user admin from 198.51.100.7"
                )
                .encode(layout: .v02)
            }
            let lines = try await Self.withPlugin(layout: .v02, configuration: ["path": .string(path)]) { plugin in
                _ = try await plugin.callReturnValues(payloads: records)
                let batches = 5
                let elapsed = try await ContinuousClock().measure {
                    for _ in 0..<batches {
                        let values = try await plugin.callReturnValues(payloads: records)
                        #expect(values.allSatisfy { $0 == 0 })
                    }
                }
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                print(
                    "mice-pop-rawlog (\(StoreTests.binDirectory)) synchronous=full: \(batches * records.count) records "
                        + "in \(String(format: "%.3f", seconds)) s = \(Int(Double(batches * records.count) / seconds)) "
                        + "stored records/s")
            }
            print("mice-pop-rawlog: \(lines.last { $0.contains("transactions") } ?? "")")
            let store = try SQLiteRawLogStore(path: path, options: .init(readOnly: true))
            #expect(try await store.count(.rawlog) == 6 * 1000)
            try await store.close()
        }
    }

    @Test("bad configuration is refused at start, naming the key")
    func badConfiguration() async throws {
        let cases: [([String: JSONValue], String)] = [
            (["backend": "mysql"], "\"backend\""),
            (["synchronous": "sometimes"], "\"synchronous\""),
            (["timezone": "Mars/Olympus"], "\"timezone\""),
            (["backend": "postgres", "url": "http://example.org/"], "\"url\""),
            (["backend": "postgres", "port": 70000], "\"port\""),
            (["path": "/proc/no/such/dir/rawlog.sqlite"], "\"path\""),
        ]
        for (configuration, key) in cases {
            do {
                try await Self.withPlugin(layout: .seed, configuration: configuration) { _ in
                    Issue.record("started with \(configuration)")
                }
            } catch let error as PluginError {
                #expect(error.code == .configurationRejected, "\(configuration): \(error)")
                #expect(error.detail.contains(key), "\(configuration): \(error.detail)")
            }
        }
    }

    @Test("PostgreSQL: REPLY after commit, batches in few transactions, rows visible to another connection")
    func postgresEndToEnd() async throws {
        try await PostgresTestServer.with { server in
            let lines = try await Self.withPlugin(
                layout: .v02,
                configuration: [
                    "backend": "postgres", "url": .string(server.url), "timezone": "UTC",
                ]
            ) { plugin in
                let observer = PostgresRawLogStore(settings: server.settings)
                for index in 0..<10 {
                    let reply = try await plugin.call(
                        ModuleCall(data: StoreTests.line("single \(index)").encode(layout: .v02)))
                    #expect(reply.returnValue == 0)
                    #expect(try await observer.count(.rawlog) == index + 1, "reply \(index) came before its commit")
                }
                let bulk = (0..<1000).map { index in
                    (index % 3 == 0 ? StoreTests.firewall() : StoreTests.line("bulk \(index)")).encode(layout: .v02)
                }
                #expect(try await plugin.callReturnValues(payloads: bulk) == Array(repeating: 0, count: 1000))
                #expect(try await observer.count(.rawlog) == 10 + 666)
                #expect(try await observer.count(.firewall) == 334)
                #expect(
                    try await observer.query(RawLogQuery(tables: [.firewall])).first?.firewall
                        == StoreTests.firewallFields)
                try await observer.close()
            }
            let transactions = try #require(Self.transactions(in: lines), "no closing line in \(lines)")
            #expect(transactions <= 10 + 100, "1010 records took \(transactions) transactions")
        }
    }
}
