// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// A finished program run.
public struct ProgramResult: Sendable {
    public var status: Int32
    public var output: [UInt8]
    public var errorText: String
}

/// A program that did not finish in time; it has been killed.
public struct ProgramTimeout: Error, CustomStringConvertible {
    public var command: String
    public var seconds: Double
    public var description: String { "\(command) did not finish within \(seconds) s" }
}

/// Runs a program with `input` on stdin and waits at most `timeout` seconds for it. Input and
/// outputs go through temporary files, so large records cannot dead-lock on pipe buffers.
public func runProgram(_ executable: String, _ arguments: [String], input: [UInt8] = [], timeout: Double = 60) throws
    -> ProgramResult
{
    let fileManager = FileManager.default
    let scratch = fileManager.temporaryDirectory.appendingPathComponent("mice-test-\(UUID().uuidString)")
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

/// SHA-256 of `bytes` as lower-case hex, computed by coreutils' sha256sum.
public func sha256Hex(_ bytes: [UInt8]) throws -> String {
    let result = try runProgram("/usr/bin/sha256sum", [], input: bytes)
    return String(decoding: result.output.prefix(64), as: UTF8.self)
}
