// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICEBench
import MICECore
import MICETestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The whole alert path as real processes: a management mice-bufferdaemon (mice-dec-idmef,
/// mice-pop-act-generic, the file agent), an analysis mice-bufferdaemon (mice-dec-logformat,
/// mice-pop-aa-regex) and a mice-dataforwarder sending a watched log to the analysis host.
final class AlertPathHarness {
    let work: String
    let account: DaemonAccount
    var daemons: [DaemonProcess] = []

    init(_ name: String) throws {
        work = "/tmp/mice-alertpath-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work + "/fifos", withIntermediateDirectories: true)
        account = try DaemonAccount.forBenchmark(owning: work)
    }

    deinit {
        for daemon in daemons.reversed() { _ = daemon.stop(timeout: 10) }
        try? FileManager.default.removeItem(atPath: work)
    }

    var database: String { work + "/alerts.sqlite" }
    var agentOutput: String { work + "/alerts.txt" }
    var watchedLog: String { work + "/auth.log" }

    func write(_ name: String, _ text: String) throws -> String {
        let path = work + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try account.handOver(work)
        return path
    }

    /// Starts a daemon and waits (bounded) for its ready file.
    func start(_ executable: String, name: String, arguments: [String]) throws -> DaemonProcess {
        let process = try DaemonProcess(
            executable: TestPaths.binDirectory + "/" + executable,
            arguments: arguments + ["--ready-file", work + "/\(name).ready"],
            readyFile: work + "/\(name).ready", logFile: work + "/\(name).log", timeout: 60)
        daemons.append(process)
        return process
    }

    /// The first entry's port from a BufferDaemon's ready file.
    func port(of daemon: DaemonProcess) throws -> Int {
        let port = daemon.ready["entries"]?.arrayValue?.first?["port"]?.intValue
        return Int(try #require(port, "no port in \(daemon.ready)"))
    }

    /// A BufferDaemon with one acked TCP entry on 127.0.0.1 and, optionally, agents.
    func bufferDaemon(
        name: String, decoder: String, decoderFile: String = "", postprocessor: String, popFile: String,
        agents: [(String, String)] = [], port: Int = 0
    ) throws -> DaemonProcess {
        var text = """
            [ADDRESS]
            BINDTO = 127.0.0.1
            [PORT_NUMBER]
            PORT = \(port)
            [MODULES_SEARCH_PATH]
            MODPATH = "\(TestPaths.pluginsRoot)"
            [DECODING_MODULES]
            DEC_MOD = \(decoder)
            [DECODING_MODULES_CONFIG_FILE]
            DEC_FILE = "\(decoderFile)"
            [POSTPROC_MODULES]
            POP_MOD = \(postprocessor)
            [POSTPROC_MODULES_CONFIG_FILE]
            POP_FILE = "\(popFile)"
            [TIME_INTERVALS]
            TIMEINV = 0
            [LINK]
            LINKMODE = acked
            [CACHE_AND_RINGBUFFER]
            RBSIZE = 1000
            [SECURITY_AND_PRIVACY]
            USER = \(account.user)
            GROUP = \(account.group)
            [MISC]
            PIDPATH = "\(work)/"

            """
        if !agents.isEmpty {
            text += "[AGENTS]\n" + agents.map { "AGENT = \($0.0)\nAGENT_FILE = \"\($0.1)\"\n" }.joined()
        }
        let config = try write(name + ".conf", text)
        return try start(
            "mice-bufferdaemon", name: name,
            arguments: [
                "-f", config, "--bin-dir", TestPaths.binDirectory, "--state-dir", work + "/\(name)-state",
                "--stats-file", work + "/\(name).stats",
            ])
    }

    /// The management host: alerts into SQLite, classification `alertID` mapped to RID 3 (the
    /// file agent) by a match file in the original format, for the analyzer MICE-RegEx and the
    /// `analyzers` given.
    func startManagement(alertID: String, port: Int = 0, key: String? = nil, analyzers: [String] = []) throws
        -> DaemonProcess
    {
        let fixtures = TestPaths.repositoryRoot + "/Tests/Fixtures/mngmthost"
        var match = try String(contentsOfFile: fixtures + "/match_file_aa_regex.txt", encoding: .utf8)
        match = match.replacingOccurrences(of: "[ALERT_ID]\n", with: "[ALERT_ID]\nAID = \"\(alertID)\"\n")
        match = match.replacingOccurrences(
            of: "[ALERT_ID_DESCRIPTION]\n", with: "[ALERT_ID_DESCRIPTION]\nAID_DESC = \"Suricata-free test\"\n")
        match = match.replacingOccurrences(of: "[RID_3]\n", with: "[RID_3]\nAID_3 = \"\(alertID)\"\n")
        _ = try write("match_file_aa_regex.txt", match)
        var actGeneric = try String(contentsOfFile: fixtures + "/mice_mod_pop_act_generic.conf", encoding: .utf8)
        actGeneric = actGeneric.replacingOccurrences(
            of: "PIPE_PATH = /var/run/M-ICE", with: "PIPE_PATH = \(work)/fifos")
        actGeneric = actGeneric.replacingOccurrences(of: "MATCH_PATH = /etc/M-ICE/", with: "MATCH_PATH = \(work)/")
        for analyzer in analyzers {
            actGeneric = actGeneric.replacingOccurrences(
                of: "ANAID = \"MICE-RegEx\"\n", with: "ANAID = \"MICE-RegEx\"\nANAID = \"\(analyzer)\"\n")
            actGeneric = actGeneric.replacingOccurrences(
                of: "MF = match_file_aa_regex.txt\n",
                with: "MF = match_file_aa_regex.txt\nMF = match_file_aa_regex.txt\n")
        }
        let popFile = try write(
            "mice_mod_pop_act_generic.conf", actGeneric + "\n[ALERT_DB]\nDBPATH = \(database)\nQUEUELIMIT = 100\n")
        let agentFile = try write(
            "rid_3_save_to_file.conf",
            "[PIPE_NAME]\nPIPE = \(work)/fifos/rid_3_save_to_file\n[FILE_NAME]\nFILE = \(agentOutput)\n")
        let decoderFile = try key.map { try write("dec-idmef.json", #"{"key": "\#($0)"}"#) } ?? ""
        return try bufferDaemon(
            name: "management", decoder: "mice_mod_dec_idmef_twofish", decoderFile: decoderFile,
            postprocessor: "mice_mod_pop_act_generic", popFile: popFile, agents: [("rid_3_save_to_file", agentFile)],
            port: port)
    }

    /// The analysis host: the shipped etc/rules, alerts to `managementPort`.
    func startAnalysis(managementPort: Int, key: String? = nil) throws -> DaemonProcess {
        let keyOption = key.map { #", "key": "\#($0)""# } ?? ""
        let popFile = try write(
            "aa-regex.json",
            """
            {"rules": "\(TestPaths.repositoryRoot)/etc/rules", "management": "127.0.0.1:\(managementPort)"\(keyOption)}
            """)
        return try bufferDaemon(
            name: "analysis", decoder: "mice_mod_dec_logformat_twofish", postprocessor: "mice_mod_pop_aa_regex",
            popFile: popFile)
    }

    /// The DataForwarder watching ``watchedLog``, sending to the analysis BufferDaemon only.
    func startForwarder(analysisPort: Int) throws -> DaemonProcess {
        if !FileManager.default.fileExists(atPath: watchedLog) {
            _ = FileManager.default.createFile(atPath: watchedLog, contents: nil)
        }
        let config = try write(
            "dataforwarder.conf",
            """
            [ANALYSIS_SERVER]
            ASIP = 127.0.0.1
            ASPORT = \(analysisPort)
            ASMODE = acked
            [SECURITY_AND_PRIVACY]
            USER = \(account.user)
            GROUP = \(account.group)
            [LOGFILE_LIST]
            FILE = "file: \(watchedLog)"
            [MODULES_SEARCH_PATH]
            MODPATH = "\(TestPaths.pluginsRoot)"
            [MODULES]
            MOD_LOGFORMAT = mice_mod_fmt_simple
            [MISC]
            PIDPATH = "\(work)/"
            POSITIONFILE = "\(work)/dataforwarder.positions"
            STARTAT = beginning
            SLEEPINV = 1

            """)
        return try start(
            "mice-dataforwarder", name: "dataforwarder",
            arguments: [
                "-f", config, "--bin-dir", TestPaths.binDirectory, "--spool-dir", work + "/spool",
                "--stats-file", work + "/dataforwarder.stats",
            ])
    }

    /// A TCP port that was free a moment ago (for a daemon that starts later).
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        try #require(bound, "cannot bind a port: errno \(errno)")
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Appends `lines` (each with its newline) to the watched log in one write.
    func append(_ lines: [String]) throws {
        let handle = try #require(FileHandle(forWritingAtPath: watchedLog))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(lines.map { $0 + "\n" }.joined().utf8))
        try handle.close()
    }

    /// Polls `condition` every 50 ms until it holds (true) or `seconds` pass (false).
    func eventually(seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    /// The alert_entry rows (empty while the database does not exist yet).
    func alerts() -> [AlertRow] {
        guard FileManager.default.fileExists(atPath: database),
            let store = try? SQLiteAlertStore(path: database, readOnly: true)
        else { return [] }
        return (try? store.querySynchronously(AlertQuery(limit: 1000, newestFirst: false))) ?? []
    }

    func diagnostics() -> String {
        daemons.map { "\($0.name) (\($0.logFile)):\n\($0.tail(lines: 30))" }.joined(separator: "\n")
    }
}
