// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICERecords
import MICEStore
import MICETestSupport
import Testing

/// The PostgreSQL backend against a real server that the test starts (PostgresTestServer).
@Suite("Raw-log store: PostgreSQL", .timeLimit(.minutes(5)))
struct PostgresStoreTests {
    /// Starts a server, runs `body` with a store connected to it, then closes and stops both.
    func withStore(
        zone: TimeZone = StoreTests.utc, _ body: (PostgresRawLogStore, PostgresTestServer) async throws -> Void
    ) async throws {
        try await PostgresTestServer.with { server in
            let store = PostgresRawLogStore(settings: server.settings, sourceTimeZone: zone)
            try await store.prepare()
            do {
                try await body(store, server)
            } catch {
                try? await store.close()
                throw error
            }
            try await store.close()
        }
    }

    /// Empties every table between checks that share one server.
    func truncate(_ server: PostgresTestServer) async throws {
        try await server.execute("TRUNCATE \"rawlog_line\", \"scslog_line\", \"firewall_line\"")
    }

    @Test("counts, hostile lines, typed columns, queries, atomic batches, time zones, schema and types")
    func backend() async throws {
        try await withStore { store, server in
            try await StoreChecks.exactCounts(store)
            try await truncate(server)
            try await StoreChecks.hostileLines(store)
            try await truncate(server)
            try await StoreChecks.typedColumns(store)
            try await truncate(server)
            try await StoreChecks.queries(store)
            try await truncate(server)
            try await StoreChecks.atomicBatches(store) {
                try await server.execute(
                    """
                    CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN IF NEW."hostname" = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF; RETURN NEW; END $$
                    """)
                try await server.execute(
                    "CREATE TRIGGER poison BEFORE INSERT ON \"rawlog_line\" FOR EACH ROW EXECUTE FUNCTION refuse_poison()"
                )
            }
            try await server.execute("DROP TRIGGER poison ON \"rawlog_line\"")
            try await truncate(server)

            // The column types are real types, and the schema version is recorded.
            let types = try await server.rows(
                """
                SELECT table_name || '.' || column_name || ' ' || data_type FROM information_schema.columns
                WHERE table_schema = 'public' AND column_name IN
                ('logline', 'logged_at', 'received_at', 'pid', 'uid', 'src_port', 'call', 'release', 'line_id')
                ORDER BY 1
                """)
            for expected in [
                "rawlog_line.logline bytea", "rawlog_line.logged_at timestamp with time zone",
                "rawlog_line.received_at timestamp with time zone", "rawlog_line.release text",
                "rawlog_line.line_id bigint", "scslog_line.pid integer", "scslog_line.uid bigint",
                "scslog_line.call text", "firewall_line.src_port bigint",
            ] {
                #expect(types.contains(expected), "\(types)")
            }
            let indexes = try await server.rows(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'scslog_line' ORDER BY 1")
            #expect(
                indexes == [
                    "scslog_line_host_time", "scslog_line_logged_at", "scslog_line_pkey", "scslog_line_received_at",
                ])
            #expect(try await server.rows("SELECT version::text FROM mice_rawlog_schema") == ["1"])

            // A second store (another writer starting) finds the schema and shares the rows.
            try await store.insert(batch: [StoreTests.line("shared")])
            let second = PostgresRawLogStore(
                settings: try PostgresSettings(url: server.url), sourceTimeZone: StoreTests.utc)
            #expect(try await second.query(text: "shared").count == 1)
            try await second.close()
            await #expect(throws: StoreError.self) { try await second.count(.rawlog) }
        }
    }

    @Test("logged_at reads cDate/cTime in the senders' time zone, DST included")
    func timeZones() async throws {
        try await withStore(zone: TimeZone(identifier: "Europe/Berlin")!) { store, _ in
            try await StoreChecks.timeZones(store)
        }
    }

    @Test("a server that goes away: batches fail with an error, and work again once it is back")
    func reconnects() async throws {
        try await withStore { store, server in
            try await store.insert(batch: [StoreTests.line("first")])
            // Terminate the store's backend process; the next statement finds the connection dead.
            try await server.execute(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = 'mice' AND pid <> pg_backend_pid()
                """)
            var stored = false
            for _ in 0..<2 where !stored {
                do {
                    try await store.insert(batch: [StoreTests.line("second")])
                    stored = true
                } catch let error as StoreError {
                    #expect(error.code == .writeFailed || error.code == .connectionFailed, "\(error)")
                }
            }
            #expect(stored, "the store did not reconnect")
            #expect(try await store.count(.rawlog) == 2)
        }
    }

    @Test("a wrong password is a connection error that never shows the password")
    func wrongPassword() async throws {
        try await PostgresTestServer.with { server in
            var settings = server.settings
            settings.password = "not-the-password-\(UUID().uuidString)"
            let store = PostgresRawLogStore(settings: settings)
            do {
                try await store.prepare()
                Issue.record("logged in with a wrong password")
            } catch let error as StoreError {
                #expect(error.code == .connectionFailed)
                #expect(!error.description.contains(settings.password!))
                #expect(error.description.contains("127.0.0.1:\(server.port)"), "\(error)")
            }
            try await store.close()
        }
    }
}
