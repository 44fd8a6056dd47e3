// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The SMTP sink of Tests/Fixtures/smtp-sink as a process: every accepted mail is a file.
public final class SMTPSink {
    let process = Process()
    /// Where the mails land.
    public let folder: String
    /// The port it listens on (127.0.0.1).
    public let port: Int

    /// Starts the sink and waits (at most 20 s) until it reports its port.
    public init(scratch: Scratch, failFirst: Int = 0) async throws {
        folder = scratch.folder("mail")
        let portFile = scratch.path + "/smtp.port"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            TestPaths.repositoryRoot + "/Tests/Fixtures/smtp-sink/smtp_sink.py", "--dir", folder, "--port-file",
            portFile, "--fail-first", String(failFirst),
        ]
        try process.run()
        let deadline = ContinuousClock.now + .seconds(20)
        var port = 0
        while port == 0 {
            guard process.isRunning else { throw TestSetupError("smtp_sink.py exited") }
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
                let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                port = value
                break
            }
            guard ContinuousClock.now < deadline else { throw TestSetupError("smtp_sink.py did not report its port") }
            try await Task.sleep(for: .milliseconds(20))
        }
        self.port = port
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The mails received, in order.
    public var mails: [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".eml") }.sorted()
        return names.compactMap { try? String(contentsOfFile: folder + "/" + $0, encoding: .utf8) }
    }
}
