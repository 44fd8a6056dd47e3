// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// One mail rule's queue: alerts wait until `batch` are queued or the oldest has waited `latency`
/// seconds, whichever comes first (NFR's Flush_Count and Flush_Time). Time is the engine's clock:
/// packet time when a capture is replayed. Pure state; the caller sends.
public struct NFRMailQueue: Sendable {
    /// The rule.
    public let rule: MailRuleDefinition
    /// Alerts waiting.
    public private(set) var pending: [NFRAlert] = []
    private var oldest: Double?

    public init(rule: MailRuleDefinition) {
        self.rule = rule
    }

    /// Queues an alert; returns a full batch to send now, if the queue reached `batch`.
    public mutating func add(_ alert: NFRAlert, time: Double) -> [NFRAlert]? {
        if pending.isEmpty { oldest = time }
        pending.append(alert)
        return pending.count >= rule.batch ? take() : nil
    }

    /// The batch to send now because its oldest alert waited `latency` seconds, if any.
    public mutating func due(time: Double) -> [NFRAlert]? {
        guard let oldest, time - oldest >= Double(rule.latencySeconds) else { return nil }
        return take()
    }

    /// Everything pending (at shutdown or the end of a replay).
    public mutating func drain() -> [NFRAlert]? {
        pending.isEmpty ? nil : take()
    }

    private mutating func take() -> [NFRAlert] {
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        oldest = nil
        return batch
    }
}
