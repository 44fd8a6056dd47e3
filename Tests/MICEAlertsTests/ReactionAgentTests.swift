// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICECore
import MICEPluginHost
import MICERecords
import MICETestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A RIDMsgFormat record of an alert `classification` from `source` for reaction `rid`.
func ridRecord(_ index: Int, classification: String = "0x1020", source: String = "192.0.2.7", rid: Int32 = 5)
    -> RIDMsgFormat
{
    RIDMsgFormat(
        idmefMessage: Array(originalIdmef(ident: index, classification: classification, source: source).utf8),
        alertID: Array(classification.utf8), alertIDDescription: Array("Authentication Failure #\(index)".utf8),
        reactionID: rid)
}

/// The number of alerts a mail says it carries (its body sections).
func alertSections(_ mail: String) -> Int { mail.components(separatedBy: "--- alert ").count - 1 }

@Suite("Reaction agents: mail (real SMTP server), Python, shell wrapper", .serialized)
struct ReactionAgentTests {
    func mailConfig(fifo: String, port: Int, maxAlerts: Int, maxDelay: Double) -> [String: JSONValue] {
        [
            "fifo": .string(fifo), "smtpPort": .int(Int64(port)), "from": .string("mice@mngmt.example.org"),
            "to": .array([.string("soc@example.org"), .string("oncall@example.org")]),
            "subjectPrefix": .string("[M-ICE test]"), "maxAlerts": .int(Int64(maxAlerts)),
            "maxDelaySeconds": .double(maxDelay), "retryInitialSeconds": .double(0.2), "retryMaxSeconds": .double(1),
        ]
    }

    @Test("mail agent: a mail as soon as N alerts are pending, not before; the rest waits for T")
    func mailAfterNAlerts() async throws {
        let scratch = try Scratch("mail-n")
        defer { scratch.remove() }
        let sink = try await SMTPSink(scratch: scratch)
        let fifo = scratch.path + "/rid_5"
        let connection = try await launchPlugin(
            "mice-agent-mail", scratch: scratch,
            config: mailConfig(fifo: fifo, port: sink.port, maxAlerts: 3, maxDelay: 600))
        for index in 0..<7 {
            try writeToFifo(fifo, ridRecord(index, classification: index == 1 ? "0x8010" : "0x1020").encode())
        }
        try await eventually("two mails of three alerts") { sink.mails.count == 2 }
        let mails = sink.mails
        #expect(mails.map(alertSections) == [3, 3])
        let first = try #require(mails.first)
        #expect(first.contains("X-Envelope-From: <mice@mngmt.example.org>"))
        #expect(first.contains("X-Envelope-To: <soc@example.org>, <oncall@example.org>"))
        #expect(first.contains("Subject: [M-ICE test] 3 alerts: 0x1020 (2), 0x8010\r\n"))
        #expect(first.contains("AlertID Description: Authentication Failure #0"))
        #expect(first.contains("<IDMEF-Message version=\"1.0\">"))
        #expect(mails[1].contains("Authentication Failure #5") && !mails[1].contains("Authentication Failure #6"))
        // The seventh alert waits for T (600 s) or for two more: no third mail.
        try await Task.sleep(for: .milliseconds(700))
        #expect(sink.mails.count == 2)
        // SHUTDOWN flushes what is pending.
        _ = await connection.shutdown()
        #expect(sink.mails.count == 3)
        #expect(sink.mails.last.map(alertSections) == 1)
        let stats = try String(contentsOfFile: scratch.path + "/state-mice-agent-mail/stats.json", encoding: .utf8)
        #expect(stats.contains("\"mailsSent\":3") && stats.contains("\"alertsSent\":7"))
    }

    @Test("mail agent: fewer than N alerts go out after T seconds")
    func mailAfterTSeconds() async throws {
        let scratch = try Scratch("mail-t")
        defer { scratch.remove() }
        let sink = try await SMTPSink(scratch: scratch)
        let fifo = scratch.path + "/rid_5"
        let connection = try await launchPlugin(
            "mice-agent-mail", scratch: scratch,
            config: mailConfig(fifo: fifo, port: sink.port, maxAlerts: 100, maxDelay: 1.5))
        defer { Task { _ = await connection.shutdown() } }
        let start = ContinuousClock.now
        try writeToFifo(fifo, ridRecord(0).encode() + ridRecord(1).encode())
        try await eventually("one mail after T") { sink.mails.count == 1 }
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(1400), "mail went out after \(waited), before T")
        #expect(waited < .seconds(10))
        #expect(sink.mails.first.map(alertSections) == 2)
        #expect(sink.mails.first?.contains("Subject: [M-ICE test] 2 alerts: 0x1020 (2)") == true)
    }

    @Test("mail agent: refused and unreachable servers are retried with backoff and counted")
    func mailRetries() async throws {
        let scratch = try Scratch("mail-retry")
        defer { scratch.remove() }
        let sink = try await SMTPSink(scratch: scratch, failFirst: 2)
        let fifo = scratch.path + "/rid_5"
        let connection = try await launchPlugin(
            "mice-agent-mail", scratch: scratch,
            config: mailConfig(fifo: fifo, port: sink.port, maxAlerts: 2, maxDelay: 600))
        for index in 0..<4 { try writeToFifo(fifo, ridRecord(index).encode()) }
        try await eventually("both mails delivered after two refusals") { sink.mails.count == 2 }
        #expect(sink.mails.map(alertSections) == [2, 2])
        #expect(sink.mails.first?.contains("Authentication Failure #0") == true)
        let statsFile = scratch.path + "/state-mice-agent-mail/stats.json"
        try await eventually("stats written") {
            let text = (try? String(contentsOfFile: statsFile, encoding: .utf8)) ?? ""
            return text.contains("\"failures\":2") && text.contains("\"alertsSent\":4")
        }
        _ = await connection.shutdown()

        // A server that is not there: the agent keeps reading, counts its failures, does not exit.
        let (listener, deadPort) = try listenTCP()
        close(listener)
        let scratch2 = try Scratch("mail-dead")
        defer { scratch2.remove() }
        let fifo2 = scratch2.path + "/rid_5"
        let dead = try await launchPlugin(
            "mice-agent-mail", scratch: scratch2,
            config: mailConfig(fifo: fifo2, port: deadPort, maxAlerts: 1, maxDelay: 600))
        for index in 0..<3 { try writeToFifo(fifo2, ridRecord(index).encode()) }
        let statsFile2 = scratch2.path + "/state-mice-agent-mail/stats.json"
        try await eventually("failures counted") {
            let text = (try? String(contentsOfFile: statsFile2, encoding: .utf8)) ?? ""
            guard let range = text.range(of: "\"failures\":") else { return false }
            return (Int(text[range.upperBound...].prefix { $0.isNumber }) ?? 0) >= 3
                && text.contains("\"received\":3")
        }
        #expect(dead.isOpen)
        _ = await dead.shutdown()
    }

    @Test("the Python example agent appends one line per alert")
    func pythonAgent() async throws {
        let scratch = try Scratch("py-agent")
        defer { scratch.remove() }
        let fifo = scratch.path + "/rid_6"
        let output = scratch.path + "/alerts.txt"
        let connection = try await launchPlugin(
            "mice-agent-python-example", scratch: scratch,
            config: ["fifo": .string(fifo), "file": .string(output)])
        var stream: [UInt8] = []
        for index in 0..<20 { stream += ridRecord(index, source: "198.51.100.\(index)", rid: 6).encode() }
        try writeToFifo(fifo, stream)
        try await eventually("20 lines") {
            ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n").count == 20
        }
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(
            lines.first
                == "alertid=0x1020 rid=6 classification=0x1020 source=198.51.100.0 description=Authentication Failure #0"
        )
        #expect(lines.last?.contains("source=198.51.100.19") == true)
        _ = await connection.shutdown()
    }

    @Test("the shell example agent (mice-agent-shell wrapper) runs agent.sh per alert with checked arguments")
    func shellAgent() async throws {
        let scratch = try Scratch("sh-agent")
        defer { scratch.remove() }
        let fifo = scratch.path + "/rid_7"
        let output = scratch.path + "/alerts.txt"
        let connection = try await launchPlugin(
            "mice-agent-sh-example", scratch: scratch,
            config: ["fifo": .string(fifo), "arguments": .array([.string(output)])])
        try writeToFifo(fifo, ridRecord(0, rid: 7).encode())
        // Hostile values: shell syntax in the source and a newline in the description reach the
        // script as inert text ("-" and a blank).
        var hostile = ridRecord(1, source: "$(touch \(scratch.path)/pwned);x", rid: 7)
        hostile.alertIDDescription = Array("two\nlines; `id`".utf8)
        try writeToFifo(fifo, hostile.encode())
        try await eventually("two lines") {
            ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n").count == 2
        }
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        let bytes = originalIdmef(ident: 0).utf8.count
        #expect(
            lines[0]
                == "alertid=0x1020 rid=7 classification=0x1020 analyzer=MICE-RegEx source=192.0.2.7 target=192.0.2.7 "
                + "bytes=\(bytes) description=Authentication Failure #0")
        #expect(lines[1].contains("source=- target=-") && lines[1].hasSuffix("description=two lines; `id`"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/pwned"))
        _ = await connection.shutdown()
    }

    @Test("batcher: N or T, bounded queue, exponential backoff")
    func batcher() {
        let start = ContinuousClock.now
        var batcher = AlertMailBatcher(
            settings: .init(
                maxAlerts: 3, maxDelay: .seconds(10), maxQueued: 4, retryInitial: .seconds(1), retryMax: .seconds(4)))
        batcher.add(ridRecord(0), now: start)
        #expect(batcher.dueBatch(now: start + .seconds(9)) == nil)
        #expect(batcher.dueBatch(now: start + .seconds(10))?.count == 1)
        for index in 1..<5 { batcher.add(ridRecord(index), now: start + .seconds(1)) }
        #expect(batcher.counters.dropped == 1 && batcher.pendingCount == 4)
        #expect(batcher.dueBatch(now: start + .seconds(1))?.count == 3)
        #expect(batcher.failed(now: start) == .seconds(1))
        #expect(batcher.dueBatch(now: start + .milliseconds(999)) == nil)
        #expect(batcher.dueBatch(now: start + .seconds(1)) != nil)
        #expect(batcher.failed(now: start) == .seconds(2))
        #expect(batcher.failed(now: start) == .seconds(4))
        #expect(batcher.failed(now: start) == .seconds(4))
        batcher.delivered(3)
        #expect(batcher.pendingCount == 1 && batcher.counters.mailsSent == 1 && batcher.counters.failures == 4)
        #expect(batcher.dueBatch(now: start + .seconds(2)) == nil)
        #expect(batcher.dueBatch(now: start + .seconds(2), force: true)?.count == 1)
    }
}

@Suite("Management host: agents started by mice-bufferdaemon from [AGENTS] with JSON configurations")
struct DaemonAgentTests {
    @Test("the daemon starts the mail and the shell example agent; act-generic's FIFOs feed them")
    func daemonStartsAgents() async throws {
        let scratch = try Scratch("e2e-agents")
        defer { scratch.remove() }
        let sink = try await SMTPSink(scratch: scratch)
        let fifos = scratch.folder("fifos")
        let output = scratch.path + "/sh-agent.txt"
        let popFile = try originalActGenericConf(
            scratch, pipes: fifos, extra: "\n[ALERT_DB]\nDBPATH = \(scratch.path)/alerts.sqlite\n")
        let mailFile = try scratch.write(
            "mail.json",
            """
            {"fifo": "\(fifos)/rid_1_write_to_syslog", "smtpPort": \(sink.port), "from": "mice@mngmt.example.org",
             "to": ["soc@example.org"], "maxAlerts": 5, "maxDelaySeconds": 600}
            """)
        let shellFile = try scratch.write(
            "sh.json", "{\"fifo\": \"\(fifos)/rid_3_save_to_file\", \"arguments\": [\"\(output)\"]}")
        let config = try scratch.write(
            "bufferdaemon.conf",
            managementConfig(
                popFile: popFile, agents: [("mice-agent-mail", mailFile), ("mice-agent-sh-example", shellFile)]))
        let daemon = try ManagementDaemon(config: config, scratch: scratch)
        let port = try await daemon.port()
        var stream: [UInt8] = []
        for index in 0..<5 { stream += idmefEnvelope(originalIdmef(ident: index, source: "192.0.2.\(index + 10)")) }
        let socket = try connectTCP(port: port)
        try writeAll(socket, stream)
        close(socket)
        try await eventually("one mail of five alerts", log: daemon) { sink.mails.count == 1 }
        #expect(sink.mails.first.map(alertSections) == 5)
        #expect(sink.mails.first?.contains("Subject: [M-ICE] 5 alerts: 0x1020 (5)") == true)
        try await eventually("five script runs", log: daemon) {
            ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n").count == 5
        }
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.allSatisfy { $0.hasPrefix("alertid=0x1020 rid=3 classification=0x1020 analyzer=MICE-RegEx") })
        #expect(Set(lines.compactMap { $0.split(separator: " ").first { $0.hasPrefix("source=") } }).count == 5)
        #expect(try await daemon.terminate() == 0)
    }
}
