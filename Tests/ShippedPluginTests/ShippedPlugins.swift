// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICECore
import MICEPluginHost
import MICEPluginManifest
import MICERecords
import MICETestSupport
import MICEWire
import Testing

/// The shipped plugins of `plugins/`, found with `PluginDirectory.discover` and started through
/// the real host (`PluginConnection`), as the daemons start them.
enum ShippedPlugins {
    /// The repository root.
    static var repositoryRoot: String { TestPaths.repositoryRoot }

    /// The plugins root the daemons would be pointed at.
    static let pluginsRoot = repositoryRoot + "/plugins"

    /// Where `make -C contrib` puts its programs.
    static let contribBuild = repositoryRoot + "/contrib/build"

    /// Every plugin shipped in `plugins/`; a new one needs a test here.
    static let expectedNames: Set<String> = [
        "mice-fmt-simple", "mice-flt-regex", "mice-flt-python-example", "mice-flt-grep-sh", "mice-ltx-example",
        "mice-dec-logformat", "mice-dec-idmef", "mice-pop-syslog", "mice-pop-rawlog", "mice-rct-log", "mice-psd-empty",
        "mice-fmt-enhanced", "mice-psd-keyed", "mice-pop-act-generic", "mice-agent-file", "mice-agent-alertdb",
        "mice-agent-countermeasure", "mice-agent-mail", "mice-agent-shell", "mice-agent-python-example",
        "mice-agent-sh-example", "mice-pop-aa-regex", "mice-rct-block", "mice-rct-kill", "mice-rct-account",
        "mice-rct-run",
    ]

    /// A logger that keeps quiet; the tests read the stderr relay, not the log.
    static let logger: Logger = {
        var logger = Logger(label: "mice.test.shipped")
        logger.logLevel = .critical
        return logger
    }()

    // MARK: - Programs

    /// The folder holding the built Swift executables (`@bin/NAME`).
    static var binDirectory: String { TestPaths.binDirectory }

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
