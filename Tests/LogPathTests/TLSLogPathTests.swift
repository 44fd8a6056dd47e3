// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEBench
import MICETestSupport
import Testing

/// The log path over mutual TLS, as processes: a PKI made by `micectl pki`, a mice-bufferdaemon
/// and a mice-dataforwarder with `[TLS]` sections; refused senders store nothing.
@Suite("Log path over mutual TLS", .serialized)
struct TLSLogPathTests {
    static let micectl = TestPaths.binDirectory + "/micectl"

    /// Runs `micectl pki ...`; the output, or a failed expectation with its stderr.
    @discardableResult
    static func pki(_ arguments: [String], expectStatus: Int32 = 0) throws -> String {
        let result = try runProgram(micectl, ["pki"] + arguments, timeout: 60)
        let output = String(decoding: result.output, as: UTF8.self)
        #expect(
            result.status == expectStatus,
            "micectl pki \(arguments.joined(separator: " ")): \(result.status)\n\(output)\(result.errorText)")
        return output + result.errorText
    }

    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    static func tlsSection(_ pki: String, name: String) -> String {
        "[TLS]\nTLS = yes\nPKIDIR = \"\(pki)\"\nTLSNAME = \(name)\n"
    }

    /// Polls the file until it contains `text` (bounded).
    static func waitForLog(_ path: String, containing text: String, timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let log = try? String(contentsOfFile: path, encoding: .utf8), log.contains(text) { return true }
            usleep(50_000)
        }
        return false
    }

    @Test("micectl pki makes the CA and host files with the right modes; rows arrive over mTLS")
    func deliversOverMutualTLS() throws {
        let harness = try LogPathHarness("tls-ok")
        let pki = harness.work + "/pki"
        try Self.pki(["init", "--dir", pki])
        try Self.pki(["issue", "buffer1", "--dir", pki, "--ip", "127.0.0.1", "--dns", "localhost"])
        try Self.pki(["issue", "fwd1", "--dir", pki, "--ip", "127.0.0.1"])
        #expect(try Self.mode(pki) == 0o700)
        #expect(try Self.mode(pki + "/ca.key") == 0o600)
        #expect(try Self.mode(pki + "/ca.pem") == 0o644)
        #expect(try Self.mode(pki + "/hosts/buffer1.key") == 0o600)
        #expect(try Self.mode(pki + "/hosts/fwd1.key") == 0o600)
        #expect(try Self.mode(pki + "/hosts/fwd1.pem") == 0o644)
        #expect(try Self.mode(pki + "/revoked.json") == 0o644)
        let listed = try Self.pki(["list", "--dir", pki])
        #expect(listed.contains("valid\tbuffer1") && listed.contains("valid\tfwd1"))
        // The same name twice is refused until the first certificate is revoked.
        let again = try Self.pki(["issue", "fwd1", "--dir", pki], expectStatus: 1)
        #expect(again.contains("revoke it first"))

        try harness.startBuffer(
            config: harness.bufferConfig(port: 0, popConfig: try harness.sqliteStore())
                + Self.tlsSection(pki, name: "buffer1"))
        let log = harness.work + "/syslog"
        try harness.append((1...40).map { "Nov 24 01:00:00 host sshd[1]: tls line \($0)" }, to: log)
        try harness.startForwarder(
            config: harness.forwarderConfig(files: [log], extra: Self.tlsSection(pki, name: "fwd1")))
        let rows = try harness.rows(atLeast: 40)
        #expect(rows.count == 40, "\(harness.diagnostics())")
        #expect(rows.allSatisfy { String(decoding: $0, as: UTF8.self).contains("tls line") })
        let bufferLog = try String(contentsOfFile: harness.work + "/bufferdaemon.log", encoding: .utf8)
        #expect(bufferLog.contains("mutual TLS"))
        #expect(!bufferLog.contains("INSECURE"))
        // The audit trail names the sender's certificate.
        #expect(bufferLog.contains("TLS peer authenticated") && bufferLog.contains("fwd1"), "\(bufferLog)")
    }

    @Test("a DataForwarder with a certificate of another CA, or a revoked one, or none, stores nothing")
    func refusedSendersStoreNothing() throws {
        let harness = try LogPathHarness("tls-refused")
        let pki = harness.work + "/pki"
        let other = harness.work + "/other-pki"
        let revokedCopy = harness.work + "/fwd-revoked"
        try Self.pki(["init", "--dir", pki])
        try Self.pki(["issue", "buffer1", "--dir", pki, "--ip", "127.0.0.1"])
        try Self.pki(["issue", "fwd-old", "--dir", pki, "--ip", "127.0.0.1"])
        // The host got its files before its certificate was revoked.
        try Self.pki(["export", "fwd-old", "--dir", pki, "--to", revokedCopy])
        #expect(!FileManager.default.fileExists(atPath: revokedCopy + "/ca.key"))
        #expect(try Self.mode(revokedCopy + "/hosts/fwd-old.key") == 0o600)
        try Self.pki(["revoke", "fwd-old", "--dir", pki])
        try Self.pki(["init", "--dir", other, "--cn", "Another CA"])
        try Self.pki(["issue", "fwd1", "--dir", other, "--ip", "127.0.0.1"])

        try harness.startBuffer(
            config: harness.bufferConfig(port: 0, popConfig: try harness.sqliteStore())
                + Self.tlsSection(pki, name: "buffer1"))
        let log = harness.work + "/syslog"
        try harness.append((1...5).map { "Nov 24 01:00:00 host sshd[1]: refused line \($0)" }, to: log)
        let bufferLog = harness.work + "/bufferdaemon.log"
        let senders: [(String, String)] = [
            ("another CA", Self.tlsSection(other, name: "fwd1")),
            ("revoked", Self.tlsSection(revokedCopy, name: "fwd-old")),
            ("plaintext", "[TLS]\nTLS = no\nINSECURE = yes\n"),
        ]
        for (index, (what, section)) in senders.enumerated() {
            try? FileManager.default.removeItem(atPath: harness.work + "/spool")
            try? FileManager.default.removeItem(atPath: harness.work + "/dataforwarder.positions")
            try harness.startForwarder(config: harness.forwarderConfig(files: [log], extra: section))
            let forwarderLog = harness.work + "/dataforwarder.log"
            if what == "plaintext" {
                #expect(Self.waitForLog(forwarderLog, containing: "INSECURE links"), "\(harness.diagnostics())")
            }
            // The listener logs one refusal per attempt: wait for this sender's first.
            let refusals =
                (try? String(contentsOfFile: bufferLog, encoding: .utf8))?
                .components(separatedBy: "TLS refused the peer").count ?? 1
            let deadline = Date().addingTimeInterval(30)
            var seen = refusals - 1
            while Date() < deadline && seen <= index {
                seen =
                    ((try? String(contentsOfFile: bufferLog, encoding: .utf8))?
                        .components(separatedBy: "TLS refused the peer").count ?? 1) - 1
                usleep(50_000)
            }
            #expect(seen > index, "\(what): no refusal in the BufferDaemon log\n\(harness.diagnostics())")
            harness.forwarder?.stop(timeout: 10)
            harness.forwarder = nil
        }
        #expect(try harness.loglines().isEmpty, "\(harness.diagnostics())")
        // The stats file counts the refusals (rewritten every second).
        let statsPath = harness.work + "/bufferdaemon.stats"
        var refused: Int64 = 0
        let statsDeadline = Date().addingTimeInterval(30)
        while Date() < statsDeadline && refused < Int64(senders.count) {
            if let data = FileManager.default.contents(atPath: statsPath),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let entries = object["entries"] as? [[String: Any]], let value = entries.first?["tls_refused"] as? Int
            {
                refused = Int64(value)
            }
            usleep(100_000)
        }
        #expect(refused >= Int64(senders.count), "tls_refused in \(statsPath)")
    }

    @Test("a key readable by others keeps the BufferDaemon from starting, naming the file")
    func keyPermissions() throws {
        let harness = try LogPathHarness("tls-mode")
        let pki = harness.work + "/pki"
        try Self.pki(["init", "--dir", pki])
        try Self.pki(["issue", "buffer1", "--dir", pki, "--ip", "127.0.0.1"])
        #expect(chmod(pki + "/hosts/buffer1.key", 0o644) == 0)
        #expect(throws: (any Error).self) {
            try harness.startBuffer(
                config: harness.bufferConfig(port: 0, popConfig: try harness.sqliteStore())
                    + Self.tlsSection(pki, name: "buffer1"))
        }
        let log = try String(contentsOfFile: harness.work + "/bufferdaemon.log", encoding: .utf8)
        #expect(log.contains("hosts/buffer1.key"))
        #expect(log.contains("readable by others"))
    }
}
