// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICEPluginKit
import MICERecords
import Synchronization

/// The mail agent's sending thread: every 50 ms it asks the batcher for a due mail and sends it
/// over SMTP; the FIFO reader only queues. Counters go to the log and to `stats.json`.
final class MailSender: Sendable {
    static let tickMicroseconds: UInt32 = 50_000

    private let batcher: Mutex<AlertMailBatcher>
    private let client: SMTPClient
    private let mail: AlertMail
    private let statsFile: String?
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    init(batcher: AlertMailBatcher, client: SMTPClient, mail: AlertMail, statsFile: String?) {
        self.batcher = Mutex(batcher)
        self.client = client
        self.mail = mail
        self.statsFile = statsFile
        let thread = Thread { [self] in self.loop() }
        thread.name = "mice-mail-sender"
        thread.start()
    }

    /// Counters so far.
    var counters: AlertMailBatcher.Counters { batcher.withLock { $0.counters } }

    /// Queues one alert (called on the FIFO reader's thread).
    func add(_ record: RIDMsgFormat) {
        let dropped = batcher.withLock { batcher in
            let before = batcher.counters.dropped
            batcher.add(record, now: .now)
            return batcher.counters.dropped > before
        }
        if dropped { PluginLog.warning("queue full (\(counters.dropped) alerts dropped so far)") }
    }

    /// Ends the thread; with `flush`, tries once more to send what is pending (each mail once).
    func stop(flush: Bool) {
        stopping.store(true, ordering: .releasing)
        let deadline = ContinuousClock.now + .seconds(Int64(client.timeoutSeconds) * 4)
        while ContinuousClock.now < deadline, !finished.load(ordering: .acquiring) { usleep(1000) }
        guard flush else { return }
        while let batch = batcher.withLock({ $0.dueBatch(now: .now, force: true) }) {
            guard attempt(batch) else {
                PluginLog.warning("\(batcher.withLock { $0.pendingCount }) alerts not mailed at shutdown")
                break
            }
        }
        writeStats()
    }

    private func loop() {
        while !stopping.load(ordering: .acquiring) {
            if let batch = batcher.withLock({ $0.dueBatch(now: .now) }) {
                _ = attempt(batch)
            } else {
                usleep(Self.tickMicroseconds)
            }
        }
        finished.store(true, ordering: .releasing)
    }

    /// Sends one mail; true when delivered.
    private func attempt(_ batch: [RIDMsgFormat]) -> Bool {
        do {
            try client.send(from: mail.from, recipients: mail.to, message: mail.message(batch, host: client.heloName))
            batcher.withLock { $0.delivered(batch.count) }
            writeStats()
            return true
        } catch {
            let (delay, failures) = batcher.withLock { batcher in
                (batcher.failed(now: .now), batcher.counters.failures)
            }
            PluginLog.warning(
                "mail of \(batch.count) alerts not sent (\(error)\(error.isPermanent ? ", permanent" : "")); "
                    + "retry in \(delay), \(failures) failed attempts so far")
            writeStats()
            return false
        }
    }

    private func writeStats() {
        guard let statsFile else { return }
        let (counters, pending) = batcher.withLock { ($0.counters, $0.pendingCount) }
        let fields: [(String, Int)] = [
            ("received", counters.received), ("mailsSent", counters.mailsSent), ("alertsSent", counters.alertsSent),
            ("failures", counters.failures), ("dropped", counters.dropped), ("pending", pending),
        ]
        let text = "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}\n"
        let temporary = statsFile + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else { return }
        _ = rename(temporary, statsFile)
    }
}
