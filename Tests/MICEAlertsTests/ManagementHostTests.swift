// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICECore
import MICECrypto
import MICEPluginHost
import MICEPluginManifest
import MICERecords
import MICEStore
import MICETestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Management host: mice-bufferdaemon with mice-dec-idmef, mice-pop-act-generic and agents", .serialized)
struct ManagementHostTests {
    /// CipherIdmefMsg records into a real daemon; every alert in alert_entry; the file agent
    /// (started by the daemon) writes RID 3's records; RID 1, 2 and 4 have no reader: intake goes
    /// on and their drops are counted.
    @Test("alerts are stored, mapped to FIFOs, read by the file agent; absent agents cost counted drops only")
    func endToEnd() async throws {
        let scratch = try Scratch("e2e")
        defer { scratch.remove() }
        let fifos = scratch.folder("fifos")
        let database = scratch.path + "/alerts.sqlite"
        let output = scratch.path + "/alerts.txt"
        let popFile = try originalActGenericConf(
            scratch, pipes: fifos, extra: "\n[ALERT_DB]\nDBPATH = \(database)\nQUEUELIMIT = 150\n")
        let agentFile = try scratch.write(
            "rid_3_save_to_file.conf",
            "[PIPE_NAME]\nPIPE = \(fifos)/rid_3_save_to_file\n[FILE_NAME]\nFILE = \(output)\n")
        let config = try scratch.write(
            "bufferdaemon.conf", managementConfig(popFile: popFile, agents: [("rid_3_save_to_file", agentFile)]))
        let daemon = try ManagementDaemon(config: config, scratch: scratch)
        let port = try await daemon.port()

        // 0x1020 → RIDs 1, 2, 3; 0x8010 → RID 2 only; 0x9999 → nothing; one broken message.
        let count = 200
        var stream: [UInt8] = []
        for index in 0..<count {
            stream += idmefEnvelope(originalIdmef(ident: index, classification: index % 2 == 0 ? "0x1020" : "0x8010"))
        }
        stream += idmefEnvelope(originalIdmef(ident: 999, classification: "0x9999"))
        stream += idmefEnvelope("<IDMEF-Message><Alert><<<broken")
        stream += idmefEnvelope("definitely not xml")
        let socket = try connectTCP(port: port)
        let start = ContinuousClock.now
        try writeAll(socket, stream)
        close(socket)

        // Read-only, once the plugin (running as nobody when the tests run as root) has made the file.
        try await eventually("every alert stored") {
            guard FileManager.default.fileExists(atPath: database),
                let reader = try? SQLiteAlertStore(path: database, readOnly: true)
            else { return false }
            return (try? reader.countSynchronously()) == count + 3
        }
        let store = try SQLiteAlertStore(path: database, readOnly: true)
        let intake = ContinuousClock.now - start
        #expect(intake < .seconds(20), "intake took \(intake) with three agents absent")

        let failures = try store.querySynchronously(AlertQuery(alertID: "0x1020", limit: 1000))
        #expect(failures.count == count / 2)
        let first = try #require(failures.last)
        #expect(first.alertDescription == "Authentication Failure")
        #expect(first.analyzerID == "MICE-RegEx")
        #expect(first.source.address == "192.0.2.7")
        #expect(first.target.user == "root")
        #expect(first.reactions == [1, 2, 3])
        #expect(first.parseStatus == .parsed)
        let unmatched = try store.querySynchronously(AlertQuery(alertID: "0x9999"))
        #expect(unmatched.count == 1 && unmatched.first?.alertID == nil && unmatched.first?.reactions == [])
        let all = try store.querySynchronously(AlertQuery(limit: 1000))
        #expect(all.filter { $0.parseStatus == .unparsable }.count == 1)
        #expect(all.filter { $0.parseStatus == .recovered }.count == 1)

        // RID 3: the file agent gets every 0x1020 alert (100), one line each starting "AlertID = 0x1020".
        try await eventually("file agent output", log: daemon) {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            return text.components(separatedBy: "AlertID = 0x1020 | AlertID Description = Authentication Failure")
                .count - 1 == count / 2
        }
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.contains("IDMEF Msg = <?xml version=\"1.0\"?>"))
        #expect(!text.contains("0x8010"))

        // RID 1, 2, 4 nobody reads: bounded queues (150): RID 1 holds its 100, RID 2 drops 50 of 200.
        let stats = scratch.path + "/state/modules/mice-pop-act-generic/stats.json"
        try await eventually("drops counted") {
            guard let data = FileManager.default.contents(atPath: stats),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let fifoStats = object["fifos"] as? [[String: Any]]
            else { return false }
            let byRID = Dictionary(uniqueKeysWithValues: fifoStats.map { ($0["reactionID"] as? Int ?? 0, $0) })
            return byRID[1]?["dropped"] as? Int == 0 && byRID[1]?["queued"] as? Int == count / 2
                && byRID[2]?["dropped"] as? Int == count - 150
                && byRID[3]?["written"] as? Int == count / 2 && byRID[3]?["dropped"] as? Int == 0
        }
        var info = stat()
        #expect(lstat(fifos + "/rid_4_countermeasure", &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try await daemon.terminate() == 0)
        #expect(daemon.logText.contains("records dropped so far"))
    }

    @Test("the countermeasure agent sends a valid MID_EXEC stCipherRctMsg (Twofish) built from its template")
    func countermeasure() async throws {
        let scratch = try Scratch("cm")
        defer { scratch.remove() }
        let fifo = scratch.path + "/rid_4"
        let (listener, port) = try listenTCP()
        defer { close(listener) }
        let connection = try await launchAgent(
            "mice-agent-countermeasure", scratch: scratch,
            config: [
                "fifo": .string(fifo), "password": .string("ChangeMe :-P"), "port": .int(Int64(port)),
                "functionID": .int(1), "arguments": .string("block {source} # {alertid}"),
                "targetHost": .string("127.0.0.1"),
            ])
        defer { Task { _ = await connection.shutdown() } }
        let record = RIDMsgFormat(
            idmefMessage: Array(originalIdmef(classification: "0x7010", source: "203.0.113.9").utf8),
            alertID: Array("0x7010".utf8), alertIDDescription: Array("Exploit Signature detected".utf8), reactionID: 4)
        try writeToFifo(fifo, record.encode())
        let client = try acceptOne(listener)
        defer { close(client) }
        let architecture = ReactionArchitecture.x86_64
        let bytes = try readExactly(client, architecture.envelopeSize)
        let envelope = try CipherMsg(decoding: bytes, innerSize: architecture.messageSize)
        #expect(envelope.ivLength == 16)
        let plain = try LegacyTwofish(password: "ChangeMe :-P").decrypt(envelope.payload, iv: envelope.iv)
        #expect(try ReactionMessage.verifyChecksum(of: plain, architecture: architecture) == .valid)
        let message = try ReactionMessage(decoding: plain, architecture: architecture)
        #expect(message.mode == ReactionMessage.MID_EXEC)
        #expect(abs(Int(message.timestamp) - Int(time(nil))) < 60)
        guard case .exec(let exec) = message.modeData else {
            Issue.record("not an exec message")
            return
        }
        #expect(exec.functionID == 1)
        #expect(exec.reactionID == 4)
        #expect(String(decoding: exec.alertID, as: UTF8.self) == "0x7010")
        #expect(String(decoding: exec.argFormatString, as: UTF8.self) == "block 203.0.113.9 # 0x7010")
        let reply = ReactionMessage(mode: ReactionMessage.MID_RETVAL, modeData: .retval(ReactionMessage.RID_SUCCESS))
        try writeAll(client, CipherMsg.plaintext(reply.encode(architecture: architecture)).encode())

        // A source that is not a plain token is never substituted: no request goes out.
        let hostile = RIDMsgFormat(
            idmefMessage: Array(originalIdmef(classification: "0x7010", source: "1.2.3.4;rm -rf /").utf8),
            alertID: Array("0x7010".utf8), reactionID: 4)
        try writeToFifo(fifo, hostile.encode())
        var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        #expect(poll(&descriptor, 1, 1500) == 0)
    }

    @Test("mice-pop-act-generic stores into PostgreSQL")
    func postgres() async throws {
        try await PostgresTestServer.with { server in
            let scratch = try Scratch("pg")
            defer { scratch.remove() }
            let connection = try await launchPlugin(
                "mice-pop-act-generic", scratch: scratch,
                config: [
                    "backend": .string("postgres"), "url": .string(server.url), "analyzers": .array([.string("*")]),
                    "matchFiles": .array([
                        .string(TestPaths.repositoryRoot + "/Tests/Fixtures/mngmthost/match_file_aa_regex.txt")
                    ]),
                ])
            #expect(connection.initValue == 10241)
            let payloads = (0..<50).map { index in
                Array(IdmefMsgFormat(message: Array(originalIdmef(ident: index).utf8)).encode().prefix(10241))
            }
            let values = try await connection.callReturnValues(payloads: payloads)
            #expect(values == Array(repeating: 0, count: 50))
            _ = await connection.shutdown()
            let settings = try PostgresSettings(url: server.url)
            let store = PostgresAlertStore(settings: settings, createsSchema: false)
            #expect(try await store.count() == 50)
            let rows = try await store.query(AlertQuery(alertID: "0x1020", source: "192.0.2.7", limit: 5))
            #expect(rows.count == 5)
            #expect(rows.first?.alertDescription == "Authentication Failure")
            #expect(rows.first?.reactions == [1, 2, 3])
            try await store.close()
        }
    }
}

/// Starts a shipped plugin with `config` through the real host.
func launchPlugin(_ name: String, scratch: Scratch, config: [String: JSONValue]) async throws -> PluginConnection {
    let directory = try PluginDirectory.discover(root: TestPaths.pluginsRoot)
    guard let manifest = directory.manifests.first(where: { $0.name == name }) else {
        throw TestSetupError("no plugin \(name)")
    }
    return try await PluginConnection.launch(
        manifest: manifest,
        options: PluginSpawnOptions(
            binDirectory: TestPaths.binDirectory, stateDirectory: scratch.folder("state-\(name)"), configuration: config
        ),
        logger: quietLogger)
}

/// Starts an agent and waits until its FIFO exists.
func launchAgent(_ name: String, scratch: Scratch, config: [String: JSONValue]) async throws -> PluginConnection {
    let connection = try await launchPlugin(name, scratch: scratch, config: config)
    return connection
}

/// Writes `bytes` to a FIFO that has a reader (bounded wait for it).
func writeToFifo(_ path: String, _ bytes: [UInt8]) throws {
    let deadline = ContinuousClock.now + .seconds(10)
    var fd: Int32 = -1
    while fd < 0 && ContinuousClock.now < deadline {
        fd = open(path, O_WRONLY | O_NONBLOCK)
        if fd < 0 { usleep(10_000) }
    }
    guard fd >= 0 else { throw TestSetupError("no reader on \(path)") }
    defer { close(fd) }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    try bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let count = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            guard count > 0 else { throw TestSetupError("FIFO write failed") }
            offset += count
        }
    }
}
