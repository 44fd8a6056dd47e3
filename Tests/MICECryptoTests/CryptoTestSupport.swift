// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICERecords

/// The repository root, found from this file's path (Tests/MICECryptoTests/<file>).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The result of running a program to completion.
struct ProcessResult: Sendable {
    var status: Int32
    var output: [UInt8]
    var errorText: String
}

/// Runs a program with `input` on its standard input. Input and outputs go through temporary
/// files, so large records cannot dead-lock on pipe buffers; no sleeping or polling.
func runProgram(_ executable: String, _ arguments: [String], input: [UInt8] = []) throws -> ProcessResult {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "mice-crypto-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let inputURL = directory.appendingPathComponent("in")
    let outputURL = directory.appendingPathComponent("out")
    let errorURL = directory.appendingPathComponent("err")
    try Data(input).write(to: inputURL)
    _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
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
    try process.run()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        output: [UInt8](try Data(contentsOf: outputURL)),
        errorText: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
}

/// Builds contrib/build/mice-cipher once per test run with `make -C contrib/twofish-cipher`.
enum CipherTool {
    struct Build: Sendable {
        var path: String?
        var log: String
    }

    static let build: Build = {
        let makefile = repositoryRoot.appendingPathComponent("contrib/twofish-cipher").path
        do {
            let result = try runProgram("/usr/bin/env", ["make", "-s", "-C", makefile])
            let path = repositoryRoot.appendingPathComponent("contrib/build/mice-cipher").path
            if result.status == 0 && FileManager.default.isExecutableFile(atPath: path) {
                return Build(path: path, log: result.errorText)
            }
            return Build(path: nil, log: "make failed (\(result.status)): \(result.errorText)")
        } catch {
            return Build(path: nil, log: "cannot run make: \(error)")
        }
    }()

    /// Runs mice-cipher; throws when it could not be built.
    static func run(_ arguments: [String], input: [UInt8]) throws -> ProcessResult {
        guard let path = build.path else { throw ToolError(message: build.log) }
        return try runProgram(path, arguments, input: input)
    }

    struct ToolError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

/// SHA-256 of `bytes` as lower-case hex, computed by coreutils' sha256sum.
func sha256Hex(_ bytes: [UInt8]) throws -> String {
    let result = try runProgram("/usr/bin/sha256sum", [], input: bytes)
    return String(decoding: result.output.prefix(64), as: UTF8.self)
}

/// Bytes of a hex string (test vectors); whitespace is ignored.
func hexBytes(_ text: String) -> [UInt8] {
    RecordJSON.bytes(fromHex: text.filter { !$0.isWhitespace })!
}

/// The LogFormat example of spec section 12.
func exampleLogFormat(fileType: UInt32) -> LogFormat {
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

/// The key and IV of the spec's test vectors.
let vectorPassword = "ChangeMe :-P"
let vectorIV: [UInt8] = Array(0..<16)

/// One encoded example record of each inner kind, with valid checksums.
func sampleInner(_ kind: RecordKind, variant: Int = 0) -> [UInt8] {
    switch kind {
    case .logFormat(let layout):
        var record = exampleLogFormat(fileType: layout == .v02 ? 1 : 0)
        record[text: \.logData] += " #\(variant)"
        return record.encode(layout: layout)
    case .idmefMessage:
        return IdmefMsgFormat(message: Array("<IDMEF-Message version=\"1.0\"/> #\(variant)".utf8)).encode()
    case .ridMessage:
        return RIDMsgFormat(alertID: Array("0x1020".utf8), reactionID: Int32(variant)).encode()
    case .reactionMessage(let architecture):
        let exec = ExecMessage(
            alertID: Array("0x1020".utf8), reactionID: 4, functionID: 1, numberOfArgs: 1,
            argFormatString: Array("echo TEST \(variant)".utf8))
        return ReactionMessage(timestamp: 1_094_403_300, mode: ReactionMessage.MID_EXEC, modeData: .exec(exec))
            .encode(architecture: architecture)
    }
}

let envelopeKinds: [RecordKind] = [
    .logFormat(.seed), .logFormat(.v02), .idmefMessage, .reactionMessage(.i386), .reactionMessage(.x86_64),
]
