// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICEFdServer
import MICETail
import Testing

/// Throughput of the input side, run by hand: `MICE_INPUT_BENCH=1 swift test --filter InputThroughput`.
/// Prints lines/s of the tailer over a file opened through the real fd server, and opens/s.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MICE_INPUT_BENCH"] == "1"), .timeLimit(.minutes(2)))
struct InputThroughputTests {
    @Test func tailerAndFdServerThroughput() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = try scratch.file("big.log", contents: "")
        let count = 1_000_000
        let line = "Nov 23 20:00:00 host sshd[4242]: Failed password for invalid user admin from 192.0.2.1 port 2222\n"
        var text = ""
        text.reserveCapacity(line.utf8.count * count)
        for _ in 0..<count { text += line }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let server = try FdServerProcess.launch(
            executable: try BuiltProducts.path("mice-fdserver"), allowList: [path], logger: Logger(label: "bench"))
        defer { server.stop() }

        let opens = 2000
        let openStart = ContinuousClock.now
        for _ in 0..<opens { close(try server.client.open(path)) }
        let openTime = ContinuousClock.now - openStart

        let client = server.client
        let tailer = FileTailer(
            files: [TailedFile(path: path)],
            configuration: TailConfiguration(startAt: .beginning, opener: FileOpener { try client.open($0) }))
        let start = ContinuousClock.now
        try tailer.start()
        var seen = 0
        var bytes = 0
        for await tailed in tailer.lines {
            seen += 1
            bytes += tailed.content.count + 1
            if seen == count { break }
        }
        let elapsed = ContinuousClock.now - start
        tailer.cancel()
        #expect(seen == count)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let openSeconds = Double(openTime.components.seconds) + Double(openTime.components.attoseconds) / 1e18
        print(
            "tail: \(count) lines, \(bytes / 1_048_576) MiB in \(String(format: "%.2f", seconds)) s = "
                + "\(Int(Double(count) / seconds)) lines/s, \(String(format: "%.0f", Double(bytes) / seconds / 1_048_576)) MiB/s; "
                + "fd server: \(Int(Double(opens) / openSeconds)) opens/s")
    }
}
