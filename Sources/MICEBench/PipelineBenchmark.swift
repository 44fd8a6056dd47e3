// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICEStore
import MICETLS

/// `micectl bench pipeline`: lines appended to a log file, through the real DataForwarder and
/// BufferDaemon (mice-fmt-simple → acked TCP link on 127.0.0.1 → mice-dec-logformat →
/// mice-pop-rawlog), until they are committed rows in SQLite.
///
/// Two phases: **throughput** appends `lines` lines at once and measures until the last one is a
/// committed row; **latency** appends at `pacedRate` lines/s for `pacedSeconds` and measures, for
/// each appended chunk, the time from the append to the commit of its last line (found by polling
/// the highest row id every millisecond or so). Then every line must be a row: `lost` counts those
/// that are not.
public enum PipelineBenchmark {
    /// What to run.
    public struct Configuration: Sendable {
        /// Lines of the throughput phase.
        public var lines = 500_000
        /// Bytes per line, newline included.
        public var lineBytes = 120
        /// Lines per second of the latency phase.
        public var pacedRate = 50_000
        /// Seconds of the latency phase.
        public var pacedSeconds = 5.0
        /// Where mice-dataforwarder, mice-bufferdaemon and the @bin/ plugins are.
        public var binDirectory: String
        /// The plugins root.
        public var pluginsRoot: String
        /// SQLite `synchronous` of the raw-log store: `full` (fsync per commit) or `normal`.
        public var synchronous = "full"
        /// Keep the work folder (configs, logs, database) for a look afterwards.
        public var keepWorkDirectory = false
        /// Run the link inside mutual TLS (a PKI is made in the work folder); otherwise the link is
        /// plaintext, asked for explicitly (`TLS = no`, `INSECURE = yes`).
        public var tls = false

        public init(binDirectory: String, pluginsRoot: String) {
            self.binDirectory = binDirectory
            self.pluginsRoot = pluginsRoot
        }
    }

    /// The figures.
    public struct Result: Codable, Sendable {
        public var linesPerSecond: Double
        public var p50LatencyMilliseconds: Double
        public var p99LatencyMilliseconds: Double
        public var pacedRate: Int
        public var lines: Int
        public var lost: Int
        public var forwarderResidentMegabytes: Double
        public var bufferDaemonResidentMegabytes: Double
        /// CPU microseconds per line in the throughput phase: the forwarder with its modules, the
        /// BufferDaemon with its modules (a figure that does not depend on other load).
        public var forwarderCPUMicrosecondsPerLine: Double
        public var bufferDaemonCPUMicrosecondsPerLine: Double
        public var synchronous: String
        public var tls: Bool
        public var workDirectory: String?

        enum CodingKeys: String, CodingKey {
            case linesPerSecond = "lines_per_s"
            case p50LatencyMilliseconds = "p50_latency_ms"
            case p99LatencyMilliseconds = "p99_latency_ms"
            case pacedRate = "paced_rate"
            case lines
            case lost
            case forwarderResidentMegabytes = "forwarder_rss_mb"
            case bufferDaemonResidentMegabytes = "bufferdaemon_rss_mb"
            case forwarderCPUMicrosecondsPerLine = "forwarder_cpu_us_per_line"
            case bufferDaemonCPUMicrosecondsPerLine = "bufferdaemon_cpu_us_per_line"
            case synchronous
            case tls
            case workDirectory = "work_directory"
        }
    }

    /// Runs both phases; `progress` receives one line per step, for a terminal.
    public static func run(_ configuration: Configuration, progress: (String) -> Void = { _ in }) throws -> Result {
        let work = NSTemporaryDirectory() + "mice-bench-pipeline-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { if !configuration.keepWorkDirectory { try? FileManager.default.removeItem(atPath: work) } }
        let account = try DaemonAccount.forBenchmark(owning: work)
        let logPath = work + "/bench.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let database = work + "/rawlog.sqlite"
        try write(work + "/pop.json", #"{"path": "\#(database)", "synchronous": "\#(configuration.synchronous)"}"#)
        if configuration.tls {
            let pki = PKI(directory: work + "/pki")
            try pki.initialize(commonName: "M-ICE bench CA")
            try pki.issue(name: "buffer", ipAddresses: ["127.0.0.1"])
            try pki.issue(name: "forwarder")
        }
        try write(
            work + "/bufferdaemon.conf", bufferDaemonConfig(work: work, configuration: configuration, account: account))
        try account.handOver(work)

        progress("starting mice-bufferdaemon")
        let buffer = try DaemonProcess(
            executable: configuration.binDirectory + "/mice-bufferdaemon",
            arguments: [
                "-f", work + "/bufferdaemon.conf", "--plugins", configuration.pluginsRoot, "--bin-dir",
                configuration.binDirectory, "--state-dir", work + "/bufferdaemon-state", "--ready-file",
                work + "/bufferdaemon.ready",
            ],
            readyFile: work + "/bufferdaemon.ready", logFile: work + "/bufferdaemon.log", timeout: 60)
        defer { buffer.stop() }
        guard let port = buffer.ready["entries"]?.arrayValue?.first?["port"]?.intValue else {
            throw BenchmarkError("mice-bufferdaemon's ready file names no port: \(buffer.ready)")
        }
        try write(
            work + "/dataforwarder.conf",
            forwarderConfig(
                work: work, port: Int(port), logPath: logPath, configuration: configuration, account: account))
        try account.handOver(work)
        progress("starting mice-dataforwarder (BufferDaemon on 127.0.0.1:\(port))")
        let forwarder = try DaemonProcess(
            executable: configuration.binDirectory + "/mice-dataforwarder",
            arguments: [
                "-f", work + "/dataforwarder.conf", "--plugins", configuration.pluginsRoot, "--bin-dir",
                configuration.binDirectory, "--spool-dir", work + "/spool", "--ready-file",
                work + "/dataforwarder.ready",
            ],
            readyFile: work + "/dataforwarder.ready", logFile: work + "/dataforwarder.log", timeout: 60)
        defer { forwarder.stop() }

        let rows = try RowCounter(path: database, timeout: 30)
        let log = try LogAppender(path: logPath, lineBytes: configuration.lineBytes)

        // Phase 1: throughput.
        progress("throughput: appending \(configuration.lines) lines")
        let forwarderCPUBefore = forwarder.cpuSecondsWithChildren
        let bufferCPUBefore = buffer.cpuSecondsWithChildren
        let started = Date()
        log.append(count: configuration.lines)
        let reached = try rows.wait(
            for: configuration.lines, idleTimeout: 30,
            diagnostics: { "forwarder:\n\(forwarder.tail())\nbufferdaemon:\n\(buffer.tail())" })
        let linesPerSecond = Double(reached.count) / reached.at.timeIntervalSince(started)
        let perLine = 1e6 / Double(max(reached.count, 1))
        let forwarderCPU = (forwarder.cpuSecondsWithChildren - forwarderCPUBefore) * perLine
        let bufferCPU = (buffer.cpuSecondsWithChildren - bufferCPUBefore) * perLine
        progress("throughput: \(Int(linesPerSecond)) lines/s")

        // Phase 2: latency at a fixed rate.
        progress("latency: \(configuration.pacedRate) lines/s for \(configuration.pacedSeconds) s")
        var chunks: [(end: Int, appended: Date)] = []
        var latencies: [Double] = []
        var committed = reached.count
        let phaseStart = Date()
        var appended = configuration.lines
        var nextChunk = 0
        while true {
            let elapsed = Date().timeIntervalSince(phaseStart)
            let due =
                configuration.lines
                + min(
                    Int(elapsed * Double(configuration.pacedRate)),
                    Int(configuration.pacedSeconds * Double(configuration.pacedRate)))
            if due > appended {
                log.append(count: due - appended)
                appended = due
                chunks.append((appended, Date()))
            }
            committed = try rows.current()
            let now = Date()
            while nextChunk < chunks.count, chunks[nextChunk].end <= committed {
                latencies.append(now.timeIntervalSince(chunks[nextChunk].appended) * 1000)
                nextChunk += 1
            }
            if elapsed >= configuration.pacedSeconds, nextChunk == chunks.count { break }
            if elapsed >= configuration.pacedSeconds + 60 { break }
            usleep(2000)
        }
        let total = appended
        let final = try rows.wait(for: total, idleTimeout: 10, diagnostics: { "" }, throwing: false)
        let forwarderMegabytes = forwarder.peakResidentMegabytes ?? 0
        let bufferMegabytes = buffer.peakResidentMegabytes ?? 0
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
        }
        return Result(
            linesPerSecond: linesPerSecond.rounded(),
            p50LatencyMilliseconds: (percentile(0.50) * 10).rounded() / 10,
            p99LatencyMilliseconds: (percentile(0.99) * 10).rounded() / 10,
            pacedRate: configuration.pacedRate,
            lines: total,
            lost: total - final.count,
            forwarderResidentMegabytes: (forwarderMegabytes * 10).rounded() / 10,
            bufferDaemonResidentMegabytes: (bufferMegabytes * 10).rounded() / 10,
            forwarderCPUMicrosecondsPerLine: (forwarderCPU * 100).rounded() / 100,
            bufferDaemonCPUMicrosecondsPerLine: (bufferCPU * 100).rounded() / 100,
            synchronous: configuration.synchronous, tls: configuration.tls,
            workDirectory: configuration.keepWorkDirectory ? work : nil)
    }

    private static func write(_ path: String, _ text: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func bufferDaemonConfig(work: String, configuration: Configuration, account: DaemonAccount) -> String {
        """
        [ADDRESS]
        BINDTO = 127.0.0.1
        [PORT_NUMBER]
        PORT = 0
        [MODULES_SEARCH_PATH]
        MODPATH = "\(configuration.pluginsRoot)"
        [DECODING_MODULES]
        DEC_MOD = mice-dec-logformat
        [DECODING_MODULES_CONFIG_FILE]
        DEC_FILE = ""
        [POSTPROC_MODULES]
        POP_MOD = mice-pop-rawlog
        [POSTPROC_MODULES_CONFIG_FILE]
        POP_FILE = "\(work)/pop.json"
        [TIME_INTERVALS]
        TIMEINV = 1
        [CACHE_AND_RINGBUFFER]
        RBSIZE = 4000
        [SECURITY_AND_PRIVACY]
        USER = \(account.user)
        GROUP = \(account.group)
        [MISC]
        PIDPATH = "\(work)/"
        \(tlsSection(work: work, configuration: configuration, name: "buffer"))
        """
    }

    /// `[TLS]`: mutual TLS with the work folder's PKI, or plaintext said explicitly.
    static func tlsSection(work: String, configuration: Configuration, name: String) -> String {
        configuration.tls
            ? "[TLS]\nTLS = yes\nPKIDIR = \"\(work)/pki\"\nTLSNAME = \(name)\n"
            : "[TLS]\nTLS = no\nINSECURE = yes\n"
    }

    static func forwarderConfig(
        work: String, port: Int, logPath: String, configuration: Configuration, account: DaemonAccount
    ) -> String {
        """
        [SQL_SERVER]
        SQLIP = 127.0.0.1
        SQLPORT = \(port)
        [SECURITY_AND_PRIVACY]
        ENCRYPT = no
        FILTER = no
        PSEUDO = no
        USER = \(account.user)
        GROUP = \(account.group)
        [LOGFILE_LIST]
        FILE = "file: \(logPath)"
        [MODULES_SEARCH_PATH]
        MODPATH = "\(configuration.pluginsRoot)"
        [MODULES]
        MOD_LOGFORMAT = mice-fmt-simple
        [MISC]
        PIDPATH = "\(work)/"
        POSITIONFILE = "\(work)/dataforwarder.positions"
        STARTAT = beginning
        \(tlsSection(work: work, configuration: configuration, name: "forwarder"))
        """
    }
}

/// Appends numbered lines of a fixed size to the benchmark's log file.
final class LogAppender {
    private let handle: FileHandle
    private let lineBytes: Int
    private var next = 0

    init(path: String, lineBytes: Int) throws {
        guard let handle = FileHandle(forWritingAtPath: path) else { throw BenchmarkError("cannot open \(path)") }
        self.handle = handle
        self.lineBytes = max(lineBytes, 40)
    }

    func append(count: Int) {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(min(count, 8192) * lineBytes)
        for _ in 0..<count {
            next += 1
            let head = Array("bench line \(next) sshd[4242]: Accepted password for user\(next % 97) ".utf8)
            buffer.append(contentsOf: head.prefix(lineBytes - 1))
            if head.count < lineBytes - 1 {
                buffer.append(contentsOf: repeatElement(UInt8(ascii: "x"), count: lineBytes - 1 - head.count))
            }
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= 1 << 20 {
                handle.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if !buffer.isEmpty { handle.write(Data(buffer)) }
    }
}

/// Polls the committed row count of the raw-log database.
public final class RowCounter {
    private let store: SQLiteRawLogStore

    public init(path: String, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !FileManager.default.fileExists(atPath: path) {
            guard Date() < deadline else { throw BenchmarkError("no database at \(path) after \(timeout) s") }
            usleep(10_000)
        }
        store = try SQLiteRawLogStore(path: path, options: .init(readOnly: true))
        // The file exists before its writer has made the tables: wait (bounded) for them too.
        while (try? store.lastLineID(.rawlog)) == nil {
            guard Date() < deadline else { throw BenchmarkError("no rawlog_line table in \(path) after \(timeout) s") }
            usleep(10_000)
        }
    }

    public func current() throws -> Int { try store.lastLineID(.rawlog) }

    /// Waits until `count` rows are committed; gives up after `idleTimeout` seconds without progress.
    public func wait(
        for count: Int, idleTimeout: Double, diagnostics: () -> String, throwing: Bool = true
    ) throws -> (count: Int, at: Date) {
        var last = try current()
        var lastChange = Date()
        while last < count {
            usleep(5000)
            let now = try current()
            if now != last {
                last = now
                lastChange = Date()
            } else if Date().timeIntervalSince(lastChange) > idleTimeout {
                if throwing {
                    throw BenchmarkError("stalled at \(last) of \(count) rows for \(idleTimeout) s\n\(diagnostics())")
                }
                break
            }
        }
        return (last, Date())
    }
}
