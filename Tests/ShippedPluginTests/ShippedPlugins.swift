// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICECore
import MICEPluginHost
import MICEPluginManifest
import MICERecords
import MICEWire
import Testing

/// The shipped plugins of `plugins/`, found with `PluginDirectory.discover` and started through
/// the real host (`PluginConnection`), as the daemons start them.
enum ShippedPlugins {
    /// The repository root (this file is Tests/ShippedPluginTests/ShippedPlugins.swift).
    static let repositoryRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The plugins root the daemons would be pointed at.
    static let pluginsRoot = repositoryRoot + "/plugins"

    /// Where `make -C contrib` puts its programs.
    static let contribBuild = repositoryRoot + "/contrib/build"

    /// Every plugin shipped in `plugins/`; a new one needs a test here.
    static let expectedNames: Set<String> = [
        "mice-fmt-simple", "mice-flt-regex", "mice-flt-python-example", "mice-flt-grep-sh", "mice-ltx-example",
        "mice-dec-logformat", "mice-dec-idmef", "mice-pop-syslog", "mice-pop-rawlog", "mice-rct-log", "mice-psd-empty",
    ]

    /// A logger that keeps quiet; the tests read the stderr relay, not the log.
    static let logger: Logger = {
        var logger = Logger(label: "mice.test.shipped")
        logger.logLevel = .critical
        return logger
    }()

    // MARK: - Programs

    /// The folder holding the built Swift executables (`@bin/NAME`): `$MICE_BIN_DIR` when set,
    /// else the first folder holding `mice-fmt-simple`, walking up from the test binary (which
    /// `swift build` puts next to them), else `.build/debug`.
    static let binDirectory: String = {
        let fileManager = FileManager.default
        if let bin = ProcessInfo.processInfo.environment["MICE_BIN_DIR"], !bin.isEmpty { return bin }
        let starts = [
            (try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe")), CommandLine.arguments.first,
        ]
        for start in starts.compactMap({ $0 }) {
            var folder = URL(fileURLWithPath: start).standardizedFileURL.deletingLastPathComponent()
            while folder.path != "/" {
                if fileManager.isExecutableFile(atPath: folder.appendingPathComponent("mice-fmt-simple").path) {
                    return folder.path
                }
                folder = folder.deletingLastPathComponent()
            }
        }
        return repositoryRoot + "/.build/debug"
    }()

    /// The outcome of `make -C contrib`, run once per test process.
    struct ContribBuild: Sendable {
        var succeeded: Bool
        var log: String
    }

    /// Builds contrib/ (C SDK and its example, the LTX shim and test modules, which it also copies
    /// into plugins/filter/mice-ltx-example, and mice-cipher) once. Make is incremental, so an
    /// up-to-date tree costs a few milliseconds and a stale one is rebuilt.
    static let contrib: ContribBuild = {
        do {
            let result = try runProgram(
                "/usr/bin/env", ["make", "-s", "-C", repositoryRoot + "/contrib"], timeout: 300)
            return ContribBuild(
                succeeded: result.status == 0, log: "make -C contrib: exit \(result.status)\n" + result.errorText)
        } catch {
            return ContribBuild(succeeded: false, log: "cannot run make -C contrib: \(error)")
        }
    }()

    /// Fails the test unless contrib/ is built.
    static func requireContrib() throws {
        try #require(contrib.succeeded, "\(contrib.log)")
    }

    /// The plugins root as the daemons see it, discovered after contrib/ is built (the LTX example
    /// needs the shim copied into its folder).
    static func discover() throws -> PluginDirectory {
        try requireContrib()
        return try PluginDirectory.discover(root: pluginsRoot)
    }

    /// The validated manifest of the shipped plugin `name`.
    static func manifest(_ name: String) throws -> PluginManifest {
        let directory = try discover()
        let report = directory.reports.first { $0.file.hasSuffix("/" + name + "/plugin.json") }
        let errors = report?.errors.map(\.description).joined(separator: "\n") ?? "not found"
        return try #require(directory.manifest(named: name), "plugin \(name): \(errors)")
    }

    // MARK: - Sessions

    /// Starts `manifest` through the real host with the link's `layout` and the operator's
    /// `configuration`, runs `body`, then shuts the module down and expects a clean exit 0.
    static func withConnection<Result>(
        _ manifest: PluginManifest,
        layout: LogFormatLayout = .seed,
        configuration: [String: JSONValue] = [:],
        _ body: (PluginConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await launch(manifest, layout: layout, configuration: configuration)
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await body(connection))
        } catch {
            outcome = .failure(error)
        }
        let status = await connection.shutdown(reason: "test done")
        #expect(status == .exited(0), "\(manifest.name) ended with \(status)")
        return try outcome.get()
    }

    /// `withConnection` for the shipped plugin `name`.
    static func withPlugin<Result>(
        _ name: String,
        layout: LogFormatLayout = .seed,
        configuration: [String: JSONValue] = [:],
        _ body: (PluginConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection(try manifest(name), layout: layout, configuration: configuration, body)
    }

    /// Starts `manifest`; the session is up when this returns.
    static func launch(
        _ manifest: PluginManifest,
        layout: LogFormatLayout = .seed,
        configuration: [String: JSONValue] = [:]
    ) async throws -> PluginConnection {
        #expect(manifest.configurationProblems(configuration).isEmpty)
        return try await PluginConnection.launch(
            manifest: manifest,
            options: PluginSpawnOptions(
                binDirectory: binDirectory, configuration: configuration, layout: layout.rawValue),
            logger: logger
        )
    }

    /// Starts `name` with a configuration it must refuse, and returns the start error.
    static func startError(
        _ name: String,
        layout: LogFormatLayout = .seed,
        configuration: [String: JSONValue]
    ) async throws -> PluginError {
        let manifest = try manifest(name)
        do {
            let connection = try await PluginConnection.launch(
                manifest: manifest,
                options: PluginSpawnOptions(
                    binDirectory: binDirectory, configuration: configuration, layout: layout.rawValue),
                logger: logger
            )
            await connection.shutdown()
            Issue.record("\(name) started with \(configuration)")
            throw PluginError(.protocolViolation, plugin: name, "unexpected start")
        } catch let error as PluginError {
            return error
        }
    }

    // MARK: - Records

    /// An encoded LogFormat whose log data is `text`, with a valid checksum.
    static func record(_ text: String, layout: LogFormatLayout, fileType: UInt32 = LogFormat.FTF_FILE) -> [UInt8] {
        var record = LogFormat(
            host: Array("sensor".utf8), domain: Array("example.org".utf8), ipAddress: Array("192.0.2.1".utf8),
            date: Array("2004/09/05".utf8), time: Array("18:55:00".utf8), logData: Array(text.utf8))
        record.fileType = fileType
        return record.encode(layout: layout, computeChecksum: true)
    }

    /// The LogFormat example of the spec, section 12.
    static func specExample(fileType: UInt32) -> LogFormat {
        var record = LogFormat()
        record[text: \.host] = "host"
        record[text: \.domain] = "example.org"
        record[text: \.ipAddress] = "192.0.2.1"
        record[text: \.operatingSystem] = "Linux"
        record[text: \.release] = "2.4.21"
        record[text: \.version] = "#1"
        record[text: \.date] = "2004/09/05"
        record[text: \.time] = "18:55:00"
        record[text: \.logData] = "Sep  5 18:55:00 host sshd[1]: Failed password for root"
        record.fileType = fileType
        return record
    }

    /// Filter calls for `texts`, all of `fileType`.
    static func filterCalls(_ texts: [String], layout: LogFormatLayout, fileType: UInt32 = LogFormat.FTF_FILE)
        -> [ModuleCall]
    {
        texts.map { ModuleCall(fileType: fileType, data: record($0, layout: layout)) }
    }

    /// The return values of one batch of calls.
    static func returnValues(_ connection: PluginConnection, _ calls: [ModuleCall]) async throws -> [Int32] {
        try await connection.call(batch: calls).map(\.returnValue)
    }
}

// MARK: - Running programs

/// A finished program run.
struct ProgramResult: Sendable {
    var status: Int32
    var output: [UInt8]
    var errorText: String
}

/// A program that did not finish in time; it has been killed.
struct ProgramTimeout: Error, CustomStringConvertible {
    var command: String
    var seconds: Double
    var description: String { "\(command) did not finish within \(seconds) s" }
}

/// Runs a program with `input` on stdin and waits at most `timeout` seconds for it. Input and
/// outputs go through temporary files, so large records cannot dead-lock on pipe buffers.
func runProgram(_ executable: String, _ arguments: [String], input: [UInt8] = [], timeout: Double = 60) throws
    -> ProgramResult
{
    let fileManager = FileManager.default
    let scratch = fileManager.temporaryDirectory.appendingPathComponent("mice-shipped-\(UUID().uuidString)")
    try fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? fileManager.removeItem(at: scratch) }
    let inputURL = scratch.appendingPathComponent("in")
    let outputURL = scratch.appendingPathComponent("out")
    let errorURL = scratch.appendingPathComponent("err")
    try Data(input).write(to: inputURL)
    _ = fileManager.createFile(atPath: outputURL.path, contents: nil)
    _ = fileManager.createFile(atPath: errorURL.path, contents: nil)
    let stdin = try FileHandle(forReadingFrom: inputURL)
    let stdout = try FileHandle(forWritingTo: outputURL)
    let stderr = try FileHandle(forWritingTo: errorURL)
    defer {
        try? stdin.close()
        try? stdout.close()
        try? stderr.close()
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    let finished = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in finished.signal() }
    try process.run()
    if finished.wait(timeout: .now() + timeout) == .timedOut {
        process.terminate()
        _ = finished.wait(timeout: .now() + 5)
        throw ProgramTimeout(command: ([executable] + arguments).joined(separator: " "), seconds: timeout)
    }
    return ProgramResult(
        status: process.terminationStatus,
        output: [UInt8](try Data(contentsOf: outputURL)),
        errorText: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
}

/// contrib/build/mice-cipher: the original M-ICE encryption (libmcrypt Twofish, CFB-8, one call
/// per byte), written in C.
enum CipherProgram {
    static var path: String { ShippedPlugins.contribBuild + "/mice-cipher" }

    /// Encrypts back-to-back inner records of `innerSize` bytes into envelopes.
    static func encrypt(_ records: [[UInt8]], key: String, innerSize: Int, iv: [UInt8]? = nil) throws -> [[UInt8]] {
        try ShippedPlugins.requireContrib()
        var arguments = ["encrypt", "--key", key, "--inner-size", "\(innerSize)"]
        if let iv { arguments += ["--iv", RecordJSON.hex(iv)] }
        let result = try runProgram(path, arguments, input: records.flatMap { $0 })
        try #require(result.status == 0, "mice-cipher: \(result.errorText)")
        let size = CipherMsg.size(innerSize: innerSize)
        try #require(result.output.count == records.count * size)
        return (0..<records.count).map { Array(result.output[($0 * size)..<(($0 + 1) * size)]) }
    }
}
