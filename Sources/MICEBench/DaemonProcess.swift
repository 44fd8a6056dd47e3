// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore

/// A daemon started for a measurement: its process, its ready file, its stderr in a file.
///
/// Readiness is the daemon's own ready file (never a sleep); every wait is bounded.
public final class DaemonProcess: @unchecked Sendable {
    /// The executable's name, for messages.
    public let name: String
    /// The ready file's JSON once the daemon wrote it.
    public private(set) var ready: JSONValue = .null
    /// Where the daemon's stderr goes.
    public let logFile: String
    private let process: Process

    /// Starts `executable` with `arguments` (no shell) and waits up to `timeout` seconds for
    /// `readyFile` to appear.
    /// - Throws: ``BenchmarkError`` when it exits first or is not ready in time (with its last stderr lines).
    public init(executable: String, arguments: [String], readyFile: String, logFile: String, timeout: Double) throws {
        name = (executable as NSString).lastPathComponent
        self.logFile = logFile
        try? FileManager.default.removeItem(atPath: readyFile)
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: logFile)
        process.standardError = FileHandle(forWritingAtPath: logFile)
        do {
            try process.run()
        } catch {
            throw BenchmarkError("cannot start \(executable): \(error)")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let data = FileManager.default.contents(atPath: readyFile),
                let value = try? JSONDecoder().decode(JSONValue.self, from: data)
            {
                ready = value
                return
            }
            if !process.isRunning {
                throw BenchmarkError(
                    "\(name) exited with status \(process.terminationStatus) before it was ready:\n\(tail())")
            }
            usleep(10_000)
        }
        process.terminate()
        throw BenchmarkError("\(name) not ready within \(timeout) s:\n\(tail())")
    }

    /// The daemon's process ID.
    public var pid: Int32 { process.processIdentifier }

    /// Peak resident set size (VmHWM) of the daemon process itself, in MiB; nil once it exited.
    public var peakResidentMegabytes: Double? { Self.statusKilobytes(pid: pid, field: "VmHWM").map { $0 / 1024 } }

    /// Sends SIGTERM and waits up to `timeout` seconds for the exit; SIGKILL after that.
    /// - Returns: the exit status (or the signal number for a killed process).
    @discardableResult
    public func stop(timeout: Double = 30) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    /// The last lines of the daemon's log.
    public func tail(lines: Int = 20) -> String {
        let text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// CPU seconds (user + system) used so far by the daemon and the processes it started (its
    /// modules and agents, alive or reaped), from /proc.
    public var cpuSecondsWithChildren: Double {
        var total = Self.cpuSeconds(pid: pid, includeReaped: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for name in names {
            guard let child = Int32(name), Self.parentPID(child) == pid else { continue }
            total += Self.cpuSeconds(pid: child, includeReaped: true)
        }
        return total
    }

    /// Fields of /proc/PID/stat after the command name (state is index 0).
    static func statFields(_ pid: Int32) -> [Substring] {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return [] }
        return text[text.index(after: close)...].split(separator: " ")
    }

    static func parentPID(_ pid: Int32) -> Int32? {
        let fields = statFields(pid)
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    static func cpuSeconds(pid: Int32, includeReaped: Bool) -> Double {
        let fields = statFields(pid)
        guard fields.count > 14 else { return 0 }
        // utime, stime, cutime, cstime are fields 14-17 of stat(5): indexes 11-14 here.
        var ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        if includeReaped { ticks += (Double(fields[13]) ?? 0) + (Double(fields[14]) ?? 0) }
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A `kB` field of /proc/PID/status.
    static func statusKilobytes(pid: Int32, field: String) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let digits = line.dropFirst(field.count + 1).filter(\.isNumber)
            return Double(digits)
        }
        return nil
    }
}

/// A benchmark that could not run.
public struct BenchmarkError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
