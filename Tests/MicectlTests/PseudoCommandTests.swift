// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Testing

/// `micectl pseudo`: keygen, make, reveal (arguments, standard input, whole lines), apply.
@Suite("micectl pseudo, end to end", .timeLimit(.minutes(1)))
struct PseudoCommandTests {
    /// Runs micectl with `input` on standard input (through a file, so nothing can block).
    func micectl(_ arguments: [String], input: String = "") async throws -> PluginsCommandTests.Outcome {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("micectl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let urls = ["stdin", "stdout", "stderr"].map { scratch.appendingPathComponent($0) }
        try Data(input.utf8).write(to: urls[0])
        for url in urls.dropFirst() { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        let stdin = try FileHandle(forReadingFrom: urls[0])
        let stdout = try FileHandle(forWritingTo: urls[1])
        let stderr = try FileHandle(forWritingTo: urls[2])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try PluginsCommandTests.micectlPath())
        process.arguments = arguments
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                process.terminate()
                Issue.record("micectl \(arguments) did not exit within 30 s")
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        process.waitUntilExit()
        for handle in [stdin, stdout, stderr] { try handle.close() }
        return PluginsCommandTests.Outcome(
            status: process.terminationStatus,
            stdout: try String(contentsOf: urls[1], encoding: .utf8),
            stderr: try String(contentsOf: urls[2], encoding: .utf8))
    }

    func keygen() async throws -> String {
        let outcome = try await micectl(["pseudo", "keygen"])
        #expect(outcome.status == 0)
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("keygen prints 32 random bytes in base64, different each time")
    func keygenPrintsKeys() async throws {
        let first = try await keygen()
        let second = try await keygen()
        #expect(Data(base64Encoded: first)?.count == 32)
        #expect(first != second)
        let short = try await micectl(["pseudo", "keygen", "--bytes", "8"])
        #expect(short.status != 0)
    }

    @Test("make, then reveal from arguments and from standard input")
    func makeAndReveal() async throws {
        let key = try await keygen()
        let made = try await micectl(["pseudo", "make", "--key", key, "--kind", "ip", "192.0.2.9", "2001:DB8::1"])
        #expect(made.status == 0, "\(made.stderr)")
        let pseudonyms = made.stdout.split(separator: "\n").map(String.init)
        #expect(pseudonyms.count == 2 && pseudonyms.allSatisfy { $0.hasPrefix("ip-") })
        let revealed = try await micectl(["pseudo", "reveal", "--key", key] + pseudonyms)
        #expect(revealed.status == 0)
        #expect(revealed.stdout == "192.0.2.9\n2001:db8::1\n")
        let fromInput = try await micectl(
            ["pseudo", "reveal", "--key", key, "--show-kind"], input: pseudonyms.joined(separator: "\n") + "\n")
        #expect(fromInput.stdout == "ip\t192.0.2.9\nip\t2001:db8::1\n")
    }

    @Test("a pseudonym of another key: 'does not authenticate under this key', exit 1")
    func otherKey() async throws {
        let key = try await keygen()
        let other = try await keygen()
        let made = try await micectl(["pseudo", "make", "--key", other, "--kind", "user", "root"])
        let pseudonym = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let outcome = try await micectl(["pseudo", "reveal", "--key", key, pseudonym])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("does not authenticate under this key"), "\(outcome.stderr)")
        #expect(outcome.stdout.isEmpty)
        let junk = try await micectl(["pseudo", "reveal", "--key", key, "root"])
        #expect(junk.status == 1 && junk.stderr.contains("not a pseudonym"))
        let noKey = try await micectl(["pseudo", "reveal", pseudonym])
        #expect(noKey.status != 0 && noKey.stderr.contains("--key"))
    }

    @Test("apply, then reveal --line from a key file: the lines come back")
    func applyAndRevealLines() async throws {
        let key = try await keygen()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("micectl-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let keyFile = folder.appendingPathComponent("key").path
        try (key + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
        let lines = [
            "Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; logname= uid=0 euid=0 "
                + "tty=NODEVssh ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root",
            "Jun 15 04:06:18 combo su(pam_unix)[21416]: session opened for user cyrus by (uid=0)",
            "nothing to hide here",
        ]
        let applied = try await micectl(
            ["pseudo", "apply", "--key-file", keyFile], input: lines.joined(separator: "\n") + "\n")
        #expect(applied.status == 0, "\(applied.stderr)")
        let hidden = applied.stdout.split(separator: "\n").map(String.init)
        #expect(hidden.count == 3 && hidden[2] == lines[2])
        #expect(!hidden[0].contains("root") && !hidden[0].contains("hinet") && !hidden[1].contains("cyrus"))
        let revealed = try await micectl(["pseudo", "reveal", "--key-file", keyFile, "--line"], input: applied.stdout)
        #expect(revealed.status == 0, "\(revealed.stderr)")
        #expect(revealed.stdout == lines.joined(separator: "\n") + "\n")
        let wrong = try await micectl(["pseudo", "reveal", "--key", try await keygen(), "--line", hidden[1]])
        #expect(wrong.status == 1 && wrong.stdout == hidden[1] + "\n")
        #expect(wrong.stderr.contains("does not authenticate under this key"))
    }

    @Test("numeric uid fields: make --uid-field and reveal --uid-field")
    func uidFields() async throws {
        let key = try await keygen()
        let made = try await micectl(["pseudo", "make", "--key", key, "--kind", "uid", "--uid-field", "500"])
        let field = try #require(UInt32(made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(field >= 0x8000_0000)
        let revealed = try await micectl(["pseudo", "reveal", "--key", key, "--uid-field", "\(field)"])
        #expect(revealed.stdout == "500\n")
        let low = try await micectl(["pseudo", "reveal", "--key", key, "--uid-field", "500"])
        #expect(low.status == 1)
    }
}
