// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICEPluginKit
import MICERecords
import Synchronization

/// Runs the agent's program for one alert: no shell, a fixed small environment, the IDMEF message
/// on standard input, standard output and error on the agent's standard error (never on the
/// frame pipe), killed after the timeout; counts the runs that succeeded and failed.
final class ScriptRunner: Sendable {
    let program: String
    let fixedArguments: [String]
    let timeout: Duration
    private let counters = Mutex<(succeeded: Int, failed: Int)>((0, 0))

    init(program: String, fixedArguments: [String], timeout: Duration) {
        self.program = program
        self.fixedArguments = fixedArguments
        self.timeout = timeout
    }

    /// Runs that succeeded and failed so far.
    var counts: (succeeded: Int, failed: Int) { counters.withLock { $0 } }

    /// Runs the program for `record` and counts the outcome.
    func run(_ record: RIDMsgFormat) {
        let ok = runOnce(record)
        counters.withLock { ok ? ($0.succeeded += 1) : ($0.failed += 1) }
    }

    /// True when the program exited with status 0 in time.
    private func runOnce(_ record: RIDMsgFormat) -> Bool {
        let arguments = AlertScriptArguments(record: record)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = fixedArguments + arguments.values
        var environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C.UTF-8"]
        for (name, value) in zip(AlertScriptArguments.names, arguments.values) {
            environment["MICE_ALERT_" + name.uppercased()] = value
        }
        process.environment = environment
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.standardError
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            PluginLog.error("\(program): cannot start: \(error)")
            return false
        }
        var message = record.idmefMessage
        if message.last != 0x0A { message.append(0x0A) }
        let writer = input.fileHandleForWriting
        let fd = writer.fileDescriptor
        _ = signal(SIGPIPE, SIG_IGN)
        var offset = 0
        while offset < message.count {
            let written = message.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { break }
            offset += written
        }
        try? writer.close()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { usleep(5000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            PluginLog.warning("\(program): killed after \(timeout) (alert \(arguments.values[0]))")
            return false
        }
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            PluginLog.warning("\(program): exit \(process.terminationStatus) (alert \(arguments.values[0]))")
            return false
        }
        return true
    }
}
