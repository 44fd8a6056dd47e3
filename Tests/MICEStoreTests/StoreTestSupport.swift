// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICERecords
import MICEStore
import MICETestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Paths, records and programs the store tests share.
enum StoreTests {
    /// The repository root (this file is Tests/MICEStoreTests/StoreTestSupport.swift).
    static let repositoryRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static let utc = TimeZone(identifier: "UTC")!

    /// A fresh folder under the temporary directory, removed after `body`.
    static func withTemporaryDirectory<Result>(_ body: (String) async throws -> Result) async throws -> Result {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mice-store-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    /// The folder holding the built executables (`@bin/NAME`): `$MICE_BIN_DIR` when set, else
    /// the first folder holding `mice-pop-rawlog`, walking up from the test binary, else `.build/debug`.
    static let binDirectory: String = {
        let fileManager = FileManager.default
        if let bin = ProcessInfo.processInfo.environment["MICE_BIN_DIR"], !bin.isEmpty { return bin }
        let starts = [
            (try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe")), CommandLine.arguments.first,
        ]
        for start in starts.compactMap({ $0 }) {
            var folder = URL(fileURLWithPath: start).standardizedFileURL.deletingLastPathComponent()
            while folder.path != "/" {
                if fileManager.isExecutableFile(atPath: folder.appendingPathComponent("mice-pop-rawlog").path) {
                    return folder.path
                }
                folder = folder.deletingLastPathComponent()
            }
        }
        return repositoryRoot + "/.build/debug"
    }()

    // MARK: - Records

    /// A plain-file record (`FTF_FILE`).
    static func line(
        _ text: String, host: String = "sensor", date: String = "2004/09/05", time: String = "18:55:00"
    ) -> LogFormat {
        line(bytes: Array(text.utf8), host: host, date: date, time: time)
    }

    /// A plain-file record whose log data is `bytes`, exactly.
    static func line(
        bytes: [UInt8], host: String = "sensor", date: String = "2004/09/05", time: String = "18:55:00",
        fileType: UInt32 = LogFormat.FTF_FILE
    ) -> LogFormat {
        var record = LogFormat(
            host: Array(host.utf8), domain: Array("example.org".utf8), ipAddress: Array("192.0.2.1".utf8),
            operatingSystem: Array("Linux".utf8), release: Array("2.4.21".utf8), version: Array("#1".utf8),
            date: Array(date.utf8), time: Array(time.utf8), logData: bytes)
        record.fileType = fileType
        return record
    }

    /// The SCSLogFormat of the typed-record checks: extreme values in every integer.
    static let scsFields = SCSLogFormat(
        syscall: Array("execve".utf8), program: Array("/bin/sh".utf8), pid: -1, uid: UInt32.max, euid: 0,
        call: Array("execve(\"/bin/sh\", [\"sh\", \"-c\", \"id\"])".utf8), comment: Array("it's odd".utf8))

    /// The FirewallLogFormat of the typed-record checks.
    static let firewallFields = FirewallLogFormat(
        action: Array("DROP".utf8), inputInterface: Array("eth0".utf8), outputInterface: Array("".utf8),
        mac: Array("00:11:22:33:44:55".utf8), source: Array("198.51.100.7".utf8),
        destination: Array("192.0.2.1".utf8), ipLength: 60, tos: 0x10, precedence: 0, ttl: 64, id: 54321,
        transportProtocol: Array("TCP".utf8), sourcePort: 40000, destinationPort: 22, packetLength: UInt32.max)

    /// A system-call record (`FTF_SCSLOG`, 0.2 union).
    static func scslog(host: String = "sensor", time: String = "18:55:01") -> LogFormat {
        var record = line("scslog: execve /bin/sh", host: host, time: time)
        record.fileType = LogFormat.FTF_SCSLOG
        record.logType = .scsLog(scsFields)
        record.timezone = Array("CET CEST".utf8)
        record.daylight = 1
        record.pseudonymized = 1
        return record
    }

    /// A packet-filter record (`FTF_FIREWALL`, 0.2 union).
    static func firewall(host: String = "gateway", time: String = "18:55:02") -> LogFormat {
        var record = line("firewall: DROP IN=eth0 SRC=198.51.100.7 DST=192.0.2.1 PROTO=TCP", host: host, time: time)
        record.fileType = LogFormat.FTF_FIREWALL
        record.logType = .firewall(firewallFields)
        return record
    }

    /// Log lines no original table survived: NUL bytes, invalid UTF-8, SQL, a full 4095 bytes.
    static let hostileLines: [[UInt8]] = [
        Array("before".utf8) + [0, 0] + Array("after NUL".utf8),
        [0xFF, 0xFE, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0x41, 0x80],
        Array("'; DROP TABLE rawlog_line; --".utf8),
        Array("\"; DELETE FROM scslog_line WHERE \"\"=\"; -- \\' \\\\".utf8),
        Array(repeating: 0x27, count: 2048) + Array(repeating: 0x5C, count: 2047),
        (0..<4095).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) },
        [],
        Array("\u{1B}[2J\u{1B}]0;owned\u{7}terminal escapes".utf8),
    ]

    // MARK: - Programs

    /// A finished program run.
    struct ProgramResult: Sendable {
        var status: Int32
        var output: String
        var errorText: String
    }

    /// Runs `executable` with `arguments`, output through files; kills it after `timeout`.
    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws
        -> ProgramResult
    {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mice-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outputURL = scratch.appendingPathComponent("out")
        let errorURL = scratch.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        let errors = try FileHandle(forWritingTo: errorURL)
        defer {
            try? output.close()
            try? errors.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                process.terminate()
                Issue.record("\(executable) \(arguments) did not finish within \(timeout)")
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        return ProgramResult(
            status: process.terminationStatus,
            output: String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
            errorText: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
    }
}

extension PostgresTestServer {
    /// The settings a store connects with.
    var settings: PostgresSettings {
        PostgresSettings(host: "127.0.0.1", port: port, user: user, password: password, database: "mice")
    }
}
