// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEBench
import MICECore
import MICEStore
import MICETestSupport
import Testing

/// One log-path test: a work folder, a BufferDaemon and a DataForwarder run as real processes
/// from the build's bin directory, and the raw-log database they fill.
final class LogPathHarness {
    let work: String
    let account: DaemonAccount
    var buffer: DaemonProcess?
    var forwarder: DaemonProcess?
    var bufferPort = 0

    init(_ name: String) throws {
        work = "/tmp/mice-logpath-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        account = try DaemonAccount.forBenchmark(owning: work)
    }

    deinit {
        forwarder?.stop(timeout: 10)
        buffer?.stop(timeout: 10)
        try? FileManager.default.removeItem(atPath: work)
    }

    var database: String { work + "/rawlog.sqlite" }

    func write(_ name: String, _ text: String) throws -> String {
        let path = work + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try account.handOver(work)
        return path
    }

    /// The BufferDaemon configuration of one TCP entry on 127.0.0.1 (`port` 0: any free port).
    func bufferConfig(
        port: Int, decoderConfig: String = "", popConfig: String, mode: String = "acked", timeInterval: Int = 1
    ) -> String {
        """
        [ADDRESS]
        BINDTO = 127.0.0.1
        [PORT_NUMBER]
        PORT = \(port)
        [MODULES_SEARCH_PATH]
        MODPATH = "\(TestPaths.pluginsRoot)"
        [DECODING_MODULES]
        DEC_MOD = mice_mod_dec_logformat_twofish
        [DECODING_MODULES_CONFIG_FILE]
        DEC_FILE = "\(decoderConfig)"
        [POSTPROC_MODULES]
        POP_MOD = mice-pop-rawlog
        [POSTPROC_MODULES_CONFIG_FILE]
        POP_FILE = "\(popConfig)"
        [TIME_INTERVALS]
        TIMEINV = \(timeInterval)
        [LINK]
        LINKMODE = \(mode)
        [CACHE_AND_RINGBUFFER]
        RBSIZE = 5000
        [SECURITY_AND_PRIVACY]
        USER = \(account.user)
        GROUP = \(account.group)
        [MISC]
        PIDPATH = "\(work)/"

        """
    }

    /// The DataForwarder configuration sending `files` to the BufferDaemon.
    func forwarderConfig(files: [String], extra: String = "", mode: String = "acked", security: String = "") -> String {
        """
        [SQL_SERVER]
        SQLIP = 127.0.0.1
        SQLPORT = \(bufferPort)
        SQLMODE = \(mode)
        [SECURITY_AND_PRIVACY]
        USER = \(account.user)
        GROUP = \(account.group)
        \(security)
        [LOGFILE_LIST]
        \(files.map { "FILE = \"file: \($0)\"" }.joined(separator: "\n"))
        [MODULES_SEARCH_PATH]
        MODPATH = "\(TestPaths.pluginsRoot)"
        [MODULES]
        MOD_LOGFORMAT = mice_mod_fmt_simple
        [MISC]
        PIDPATH = "\(work)/"
        POSITIONFILE = "\(work)/dataforwarder.positions"
        STARTAT = beginning
        SLEEPINV = 1
        \(extra)

        """
    }

    /// A pop-rawlog configuration for the SQLite database of this test.
    func sqliteStore() throws -> String {
        try write("pop.json", #"{"path": "\#(database)", "synchronous": "normal"}"#)
    }

    func startBuffer(config: String) throws {
        let path = try write("bufferdaemon.conf", config)
        let process = try DaemonProcess(
            executable: TestPaths.binDirectory + "/mice-bufferdaemon",
            arguments: [
                "-f", path, "--bin-dir", TestPaths.binDirectory, "--state-dir", work + "/bufferdaemon-state",
                "--ready-file", work + "/bufferdaemon.ready", "--stats-file", work + "/bufferdaemon.stats",
            ],
            readyFile: work + "/bufferdaemon.ready", logFile: work + "/bufferdaemon.log", timeout: 60)
        buffer = process
        let port = process.ready["entries"]?.arrayValue?.first?["port"]?.intValue
        bufferPort = Int(try #require(port, "no port in \(process.ready)"))
    }

    func startForwarder(config: String) throws {
        let path = try write("dataforwarder.conf", config)
        forwarder = try DaemonProcess(
            executable: TestPaths.binDirectory + "/mice-dataforwarder",
            arguments: [
                "-f", path, "--bin-dir", TestPaths.binDirectory, "--spool-dir", work + "/spool",
                "--ready-file", work + "/dataforwarder.ready", "--stats-file", work + "/dataforwarder.stats",
            ],
            readyFile: work + "/dataforwarder.ready", logFile: work + "/dataforwarder.log", timeout: 60)
    }

    /// Appends `lines` to `path` (each gets its newline), in one write.
    func append(_ lines: [String], to path: String) throws {
        try appendBytes(lines.flatMap { Array($0.utf8) + [0x0A] }, to: path)
    }

    func appendBytes(_ bytes: [UInt8], to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            try account.handOver(path)
        }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: bytes)
        try handle.close()
    }

    /// Waits until the database holds at least `count` rows and no more arrive for `quiet`
    /// seconds; gives up `timeout` seconds after the last progress. Returns the rows' log lines.
    func rows(atLeast count: Int, quiet: Double = 0.5, timeout: Double = 30) throws -> [[UInt8]] {
        let counter = try RowCounter(path: database, timeout: timeout)
        _ = try counter.wait(for: count, idleTimeout: timeout, diagnostics: { self.diagnostics() })
        var last = try counter.current()
        var since = Date()
        while Date().timeIntervalSince(since) < quiet {
            usleep(20_000)
            let now = try counter.current()
            if now != last {
                last = now
                since = Date()
            }
        }
        return try loglines()
    }

    /// Polls the rows until `done` holds for them (true) or `timeout` seconds pass (false).
    func rows(timeout: Double = 60, until done: ([[UInt8]]) -> Bool) throws -> (rows: [[UInt8]], done: Bool) {
        _ = try RowCounter(path: database, timeout: timeout)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let rows = try loglines()
            if done(rows) { return (rows, true) }
            if Date() > deadline { return (rows, false) }
            usleep(200_000)
        }
    }

    /// Every row's log line, in insertion order.
    func loglines() throws -> [[UInt8]] {
        let store = try SQLiteRawLogStore(path: database, options: .init(readOnly: true))
        return try store.allLoglines(.rawlog)
    }

    func diagnostics() -> String {
        "forwarder:\n\(forwarder?.tail(lines: 30) ?? "-")\nbufferdaemon:\n\(buffer?.tail(lines: 30) ?? "-")"
    }
}
