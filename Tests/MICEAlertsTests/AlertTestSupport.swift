// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICEAlerts
import MICERecords
import MICETestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// An IDMEF message as the original aa_regex (libidmef) wrote it (spec §10): element children
/// where RFC 4765 has attributes.
func originalIdmef(
    ident: Int = 1, classification: String = "0x1020", source: String = "192.0.2.7", logline: String = "Failed password"
) -> String {
    """
    <?xml version="1.0"?>
    <IDMEF-Message version="1.0"><Alert><ident>\(ident)</ident>\
    <Analyzer><analyzerid>MICE-RegEx</analyzerid><manufacturer>Thomas Biege</manufacturer>\
    <model>M-ICE</model><class>HIDS</class><Node category="dns"><name>mngmt.example.org</name>\
    <Address category="ipv4-addr"><address>198.51.100.1</address></Address></Node>\
    <Process><name>mice_mod_pop_aa_regex</name></Process></Analyzer>\
    <CreateTime ntpstamp="0xc5a1b2c3.0x00000000">2004-09-05T18:55:00.00Z</CreateTime>\
    <Source><Node><Address><category>ipv4-addr</category><address>\(source)</address></Address></Node>\
    <User><UserId><name>UNKNOWN</name></UserId></User><Process><name>UNKNOWN</name></Process>\
    <Service><name>UNKNOWN</name></Service></Source>\
    <Target><Node><Address><category>ipv4-addr</category><address>\(source)</address></Address></Node>\
    <User><UserId><name>root</name></UserId></User><Process><name>sshd</name></Process>\
    <Service><name>ssh</name></Service></Target>\
    <Classification origin="vendor-specific"><name>\(classification)</name><url>http://unkonwn.de</url></Classification>\
    <AdditionalData meaning="Logline" type="string"><value>\(logline)</value></AdditionalData></Alert></IDMEF-Message>

    """
}

/// A plaintext CipherIdmefMsg (10267 bytes) carrying `xml`.
func idmefEnvelope(_ xml: String) -> [UInt8] {
    CipherMsg.plaintext(IdmefMsgFormat(message: Array(xml.utf8)).encode()).encode()
}

/// Polls `condition` every 20 ms until it holds; fails the test after `timeout`.
func eventually(
    _ what: String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
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

/// ``eventually(_:timeout:sourceLocation:_:)`` that records the daemon's log when it times out.
func eventually(
    _ what: String, log daemon: ManagementDaemon, sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    do {
        try await eventually(what, sourceLocation: sourceLocation, condition)
    } catch {
        Issue.record("daemon log:\n\(daemon.logText.suffix(6000))", sourceLocation: sourceLocation)
        throw error
    }
}

/// A connected TCP socket to 127.0.0.1:`port`.
func connectTCP(port: Int) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard result == 0 else {
        close(fd)
        throw TestSetupError("connect to \(port): \(String(cString: strerror(errno)))")
    }
    return fd
}

/// Writes all of `bytes` to `fd`.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
        let count = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
        guard count > 0 else { throw TestSetupError("write: \(String(cString: strerror(errno)))") }
        offset += count
    }
}

/// Reads exactly `count` bytes from `fd` (the socket has a receive timeout).
func readExactly(_ fd: Int32, _ count: Int) throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: count)
    var offset = 0
    while offset < count {
        let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + offset, $0.count - offset, 0) }
        guard got > 0 else { throw TestSetupError("read \(offset) of \(count) bytes") }
        offset += got
    }
    return buffer
}

/// A listening TCP socket on 127.0.0.1 with its port.
func listenTCP() throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    listen(fd, 8)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// Accepts one connection within `seconds`, with a receive timeout set.
func acceptOne(_ fd: Int32, seconds: Int32 = 20) throws -> Int32 {
    var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard poll(&descriptor, 1, seconds * 1000) == 1 else { throw TestSetupError("no connection in time") }
    let client = accept(fd, nil, nil)
    var timeout = timeval(tv_sec: 20, tv_usec: 0)
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    return client
}

let quietLogger: Logger = {
    var logger = Logger(label: "test.mgmt")
    logger.logLevel = .critical
    return logger
}()

/// The mice-bufferdaemon of a management host, as a process.
final class ManagementDaemon {
    let process = Process()
    let readyFile: String
    let log: String

    init(config: String, scratch: Scratch) throws {
        readyFile = scratch.path + "/ready.json"
        log = scratch.path + "/daemon.log"
        process.executableURL = URL(fileURLWithPath: TestPaths.binDirectory + "/mice-bufferdaemon")
        process.arguments = [
            "-f", config, "--plugins", TestPaths.pluginsRoot, "--bin-dir", TestPaths.binDirectory, "--state-dir",
            scratch.folder("state"), "--ready-file", readyFile, "--log-level", "info",
        ]
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// The bound port of the first entry (bounded wait on the ready file).
    func port() async throws -> Int {
        var port = 0
        try await eventually("ready file") {
            if !process.isRunning {
                Issue.record("mice-bufferdaemon exited: \(logText)")
                throw CancellationError()
            }
            guard let data = FileManager.default.contents(atPath: readyFile),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let entries = object["entries"] as? [[String: Any]], let first = entries.first?["port"] as? Int
            else { return false }
            port = first
            return true
        }
        return port
    }

    func terminate() async throws -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        try await eventually("daemon exit") { !process.isRunning }
        return process.terminationStatus
    }
}

/// bufferdaemon.conf of a management host on 127.0.0.1 (legacy link), with `agents`.
func managementConfig(popFile: String, agents: [(String, String)], interval: Int = 0) -> String {
    var text = """
        [ADDRESS]
        BINDTO = 127.0.0.1
        [PORT_NUMBER]
        PORT = 0
        [DECODING_MODULES]
        DEC_MOD = mice_mod_dec_idmef_twofish
        [DECODING_MODULES_CONFIG_FILE]
        DEC_FILE = ""
        [POSTPROC_MODULES]
        POP_MOD = mice_mod_pop_act_generic
        [POSTPROC_MODULES_CONFIG_FILE]
        POP_FILE = \(popFile)
        [TIME_INTERVALS]
        TIMEINV = \(interval)
        [LINK]
        LINKMODE = legacy
        [CACHE_AND_RINGBUFFER]
        RBSIZE = 1000

        """
    if !agents.isEmpty {
        text += "[AGENTS]\n" + agents.map { "AGENT = \($0.0)\nAGENT_FILE = \($0.1)\n" }.joined()
    }
    return text
}

/// The original act_generic conf of the fixtures with PIPE_PATH and MATCH_PATH set.
func originalActGenericConf(_ scratch: Scratch, pipes: String, extra: String = "") throws -> String {
    let fixtures = TestPaths.repositoryRoot + "/Tests/Fixtures/mngmthost"
    var text = try String(contentsOfFile: fixtures + "/mice_mod_pop_act_generic.conf", encoding: .utf8)
    text = text.replacingOccurrences(of: "PIPE_PATH = /var/run/M-ICE", with: "PIPE_PATH = \(pipes)")
    text = text.replacingOccurrences(of: "MATCH_PATH = /etc/M-ICE/", with: "MATCH_PATH = \(fixtures)/")
    return try scratch.write("mice_mod_pop_act_generic.conf", text + extra)
}
