// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECrypto
import MICERecords
import MICETestSupport
import MICETransport
import Synchronization
import Testing

/// A scratch folder that the forwarder can use after it dropped root (mode 0777 when root).
struct ForwarderScratch {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.resolvingSymlinksInPath().path
        path = base + "/mice-fwd-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, 0o777)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func append(_ name: String, _ text: String) throws {
        let fd = open(file(name), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        try #require(fd >= 0)
        defer { close(fd) }
        let bytes = Array(text.utf8)
        try #require(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A LinkServer in the test process that keeps every record it receives (acknowledged at once).
final class Receiver: Sendable {
    let server: LinkServer
    let port: Int
    private let records = Records()
    private let task: Task<Void, Never>

    static let envelopeSize = CipherMsg.seedLogFormatSize

    init(port: Int = 0, mode: LinkMode = .acked) async throws {
        let server = try await LinkServer.bind(
            configuration: .init(
                link: "*", mode: mode, recordSize: Self.envelopeSize, endpoint: .tcp(host: "127.0.0.1", port: port)))
        self.server = server
        self.port = server.port ?? port
        task = Task { [server, records] in
            try? await server.run { record in
                records.withLock { $0.append(record.bytes) }
                record.acknowledge()
            }
        }
    }

    var received: [[UInt8]] { records.withLock { $0 } }
    var count: Int { records.withLock { $0.count } }

    /// Stops listening and waits (bounded) until the listener is closed.
    func shutdown() async {
        server.shutdown()
        _ = await poll(timeout: 10) { server.statistics.connectionsOpen == 0 }
        await task.value
    }

    final class Records: Sendable {
        private let state = Mutex<[[UInt8]]>([])
        func withLock<T>(_ body: (inout [[UInt8]]) -> T) -> T { state.withLock { body(&$0) } }
    }

    /// The log lines of the records received (plaintext envelopes, or opened with `key`).
    func lines(key: String? = nil) throws -> [String] {
        let cipher = try key.map { try LegacyTwofish(password: $0) } ?? LegacyTwofish(password: "unused")
        return try received.map { bytes in
            let opened = try cipher.open(
                bytes: bytes, kind: .logFormat(.seed), acceptPlaintext: key == nil, verifyChecksum: true)
            return try opened.bytes.withUnsafeBytes { raw in
                String(decoding: try LogFormat.logData(in: raw, layout: .seed), as: UTF8.self)
            }
        }
    }
}

/// One mice-dataforwarder process.
final class ForwarderProcess {
    let process = Process()
    let scratch: ForwarderScratch
    let readyFile: String
    let statsFile: String
    let errorFile: String

    init(scratch: ForwarderScratch, config: String, name: String = "fwd", extra: [String] = []) throws {
        self.scratch = scratch
        readyFile = scratch.file(name + ".ready")
        statsFile = scratch.file(name + ".stats")
        errorFile = scratch.file(name + ".stderr")
        unlink(readyFile)
        let configFile = scratch.file(name + ".conf")
        try Data(config.utf8).write(to: URL(fileURLWithPath: configFile))
        _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
        process.executableURL = URL(fileURLWithPath: TestPaths.binDirectory + "/mice-dataforwarder")
        process.arguments =
            [
                "-f", configFile, "--ready-file", readyFile, "--stats-file", statsFile, "--log-level", "info",
                "--bin-dir", TestPaths.binDirectory,
            ] + extra
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorFile))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    var stderrText: String {
        (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
    }

    /// Waits (bounded) for the ready file; fails with the forwarder's stderr.
    func waitUntilReady(timeout: Double = 20) async throws {
        let found = await poll(timeout: timeout) {
            FileManager.default.fileExists(atPath: self.readyFile) || !self.process.isRunning
        }
        try #require(
            found && FileManager.default.fileExists(atPath: readyFile), "not ready; stderr:\n\(stderrText)")
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits (bounded) for the process to exit; returns its status or nil.
    func waitForExit(timeout: Double = 15) async -> Int32? {
        let exited = await poll(timeout: timeout) { !self.process.isRunning }
        if !exited {
            kill(process.processIdentifier, SIGKILL)
            _ = await poll(timeout: 5) { !self.process.isRunning }
            return nil
        }
        return process.terminationStatus
    }

    /// The stats file's JSON object.
    func stats() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: statsFile))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` seconds passed.
func poll(timeout: Double, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// A dataforwarder.conf for the tests.
func forwarderConfig(
    scratch: ForwarderScratch, port: Int, files: [String], filter: Bool = false, encryptKey: String? = nil,
    maxLineLength: Int = 65536, mode: String = "acked"
) -> String {
    var text = """
        [SQL_SERVER]
        SQLIP = 127.0.0.1
        SQLPORT = \(port)
        SQLMODE = \(mode)
        [SECURITY_AND_PRIVACY]
        USER = nobody
        GROUP = nogroup
        FILTER = \(filter ? "yes" : "no")
        ENCRYPT = \(encryptKey == nil ? "no" : "yes")

        """
    if let encryptKey { text += "ENCKEY = \"\(encryptKey)\"\n" }
    text += "[LOGFILE_LIST]\n"
    for file in files { text += "FILE = \"file: \(scratch.file(file))\"\n" }
    text += """
        [MODULES_SEARCH_PATH]
        MODPATH = \(TestPaths.pluginsRoot)
        [MODULES]
        MOD_LOGFORMAT = mice_mod_fmt_simple
        MOD_FILTER = mice-flt-regex
        [MODULES_CONFIG_FILE]
        FILTERCONF = \(scratch.file("filter.json"))
        [MISC]
        SLEEPINV = 1
        MAXLINELEN = \(maxLineLength)
        POSITIONFILE = \(scratch.file("positions"))
        STARTAT = beginning
        SPOOLDIR = \(scratch.file("spool"))

        """
    return text
}
