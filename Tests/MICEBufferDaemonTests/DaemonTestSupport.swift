// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICERecords
import MICEStore
import MICETestSupport
import MICETransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One entry of a test configuration.
struct TestEntry {
    var port = 0
    var decoder = "mice-dec-logformat"
    var postprocessor = "mice-pop-rawlog"
    var postprocessorFile = "\"\""
    var interval = 1
    var linkMode = "acked"
    var overflow = "block"
    var batchSize = 1000
}

/// bufferdaemon.conf text for `entries`, listening on 127.0.0.1.
func configText(_ entries: [TestEntry], ringSize: Int = 1000) -> String {
    func list(_ key: String, _ values: [String]) -> String {
        "\(key) = {\n" + values.map { "    \($0)\n" }.joined() + "}\n"
    }
    return "[ADDRESS]\n" + list("BINDTO", entries.map { _ in "127.0.0.1" })
        + "[PORT_NUMBER]\n" + list("PORT", entries.map { "\($0.port)" })
        + "[DECODING_MODULES]\n" + list("DEC_MOD", entries.map(\.decoder))
        + "[DECODING_MODULES_CONFIG_FILE]\n" + list("DEC_FILE", entries.map { _ in "\"\"" })
        + "[POSTPROC_MODULES]\n" + list("POP_MOD", entries.map(\.postprocessor))
        + "[POSTPROC_MODULES_CONFIG_FILE]\n" + list("POP_FILE", entries.map(\.postprocessorFile))
        + "[TIME_INTERVALS]\n" + list("TIMEINV", entries.map { "\($0.interval)" })
        + "[LINK]\n" + list("LINKMODE", entries.map(\.linkMode))
        + "[OVERLOAD]\n" + list("OVERFLOW", entries.map(\.overflow))
        + "[BATCHES]\n" + list("BATCHSIZE", entries.map { "\($0.batchSize)" })
        + "[CACHE_AND_RINGBUFFER]\nRBSIZE = \(ringSize)\n"
}

/// A running mice-bufferdaemon.
final class Daemon {
    let process = Process()
    let readyFile: String
    let statsFile: String
    let log: String

    /// Starts the daemon; `plugins` defaults to the repository's plugins folder.
    init(config: String, scratch: Scratch, plugins: String = TestPaths.pluginsRoot, tag: String = "1") throws {
        readyFile = scratch.path + "/ready-\(tag).json"
        statsFile = scratch.path + "/stats-\(tag).json"
        log = scratch.path + "/daemon-\(tag).log"
        unlink(readyFile)
        process.executableURL = URL(fileURLWithPath: TestPaths.binDirectory + "/mice-bufferdaemon")
        process.arguments = [
            "-f", config, "--plugins", plugins, "--bin-dir", TestPaths.binDirectory, "--state-dir",
            scratch.path + "/state", "--ready-file", readyFile, "--stats-file", statsFile, "--log-level", "info",
        ]
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    deinit { kill(SIGKILL) }

    var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// The ready file's entries (bounded wait).
    func ready(timeout: Duration = .seconds(30)) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let data = FileManager.default.contents(atPath: readyFile),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let entries = object["entries"] as? [[String: Any]]
            {
                return entries
            }
            if !process.isRunning {
                Issue.record("mice-bufferdaemon exited (\(process.terminationStatus)) before ready: \(logText)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("mice-bufferdaemon not ready in time: \(logText)")
        throw CancellationError()
    }

    /// The bound ports, in entry order.
    func ports() async throws -> [Int] {
        try await ready().map { ($0["port"] as? Int) ?? 0 }
    }

    /// One counter of one entry (1-based) from the stats file.
    func stat(_ name: String, entry: Int = 1) -> Int? {
        guard let data = FileManager.default.contents(atPath: statsFile),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let entries = object["entries"] as? [[String: Any]], entries.count >= entry
        else { return nil }
        return entries[entry - 1][name] as? Int
    }

    func kill(_ signal: Int32) {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, signal)
        if signal == SIGKILL { process.waitUntilExit() }
    }

    /// SIGTERM, then the exit status (bounded wait).
    func terminate(timeout: Duration = .seconds(30)) async throws -> Int32 {
        kill(SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                Issue.record("mice-bufferdaemon did not stop in time: \(logText)")
                kill(SIGKILL)
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }
}

/// A plaintext CipherMsg (seed layout, 1712 bytes) carrying `line`.
func envelope(_ line: String) -> [UInt8] {
    let record = LogFormat(host: Array("testhost".utf8), logData: Array(line.utf8), fileType: LogFormat.FTF_FILE)
    return CipherMsg.plaintext(record.encode(layout: .seed)).encode()
}

/// Every stored log line of a raw-log SQLite file (empty while the plugin has not yet created it
/// or its tables).
func storedLines(_ path: String) async throws -> [String] {
    guard FileManager.default.fileExists(atPath: path) else { return [] }
    let store = try SQLiteRawLogStore(path: path, options: .init(readOnly: true))
    defer { Task { try? await store.close() } }
    do {
        let rows = try await store.query(RawLogQuery(limit: 1_000_000))
        return rows.map { String(decoding: $0.logline, as: UTF8.self) }
    } catch  where "\(error)".contains("no such table") {
        return []
    }
}

/// Polls `condition` every 20 ms until it holds; fails the test after `timeout`.
func eventually(
    _ what: String, timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out waiting for: \(what)", sourceLocation: sourceLocation)
    throw CancellationError()
}

/// A JSON module file for mice-pop-rawlog storing into `database`.
func rawlogFile(_ scratch: Scratch, _ name: String, database: String) throws -> String {
    try scratch.write(name, #"{"path": "\#(database)", "synchronous": "normal", "timezone": "UTC"}"#)
}

let quietLogger: Logger = {
    var logger = Logger(label: "test.bufferdaemon")
    logger.logLevel = .critical
    return logger
}()

/// An acked LinkClient for the daemon at `port` (seed records), spooling in `spool`.
func linkClient(port: Int, spool: String) async throws -> LinkClient {
    try await LinkClient(
        configuration: LinkClient.Configuration(
            link: "rawlogdb", mode: .acked, recordSize: 1712, endpoint: .tcp(host: "127.0.0.1", port: port),
            spool: DiskSpool.Configuration(directory: spool, maxBytes: 256 << 20, sync: .never, whenFull: .block),
            backoff: ReconnectBackoff(
                initial: .milliseconds(20), maximum: .milliseconds(200), resetAfter: .seconds(1))),
        logger: quietLogger)
}

/// Writes `bytes` to a new TCP connection to 127.0.0.1:`port` and closes it (a legacy sender).
func sendLegacy(port: Int, _ bytes: [UInt8]) throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    try #require(connected == 0, "connect: \(errno)")
    var sent = 0
    while sent < bytes.count {
        let count = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, 0) }
        try #require(count > 0, "send: \(errno)")
        sent += count
    }
}
