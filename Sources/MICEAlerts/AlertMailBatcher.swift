// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import DequeModule
import MICERecords

/// The mail agent's queue: alerts collect until ``Settings/maxAlerts`` are pending or the oldest
/// has waited ``Settings/maxDelay``, whichever comes first; then one mail carries up to
/// `maxAlerts` of them. A failed mail is retried with exponential backoff (its alerts stay
/// first in line, later alerts join the queue); the queue is bounded and drops its oldest alerts,
/// counted. Pure state: the caller passes the time and does the sending.
public struct AlertMailBatcher: Sendable {
    /// The batching and retry settings.
    public struct Settings: Hashable, Sendable {
        /// Alerts in one mail; a mail goes out as soon as this many are pending.
        public var maxAlerts: Int
        /// The longest an alert waits before its mail goes out.
        public var maxDelay: Duration
        /// Alerts held at most (while the server is down); older ones are dropped.
        public var maxQueued: Int
        /// The first retry delay; doubled per consecutive failure.
        public var retryInitial: Duration
        /// The longest retry delay.
        public var retryMax: Duration

        public init(
            maxAlerts: Int = 10, maxDelay: Duration = .seconds(60), maxQueued: Int = 10_000,
            retryInitial: Duration = .seconds(1), retryMax: Duration = .seconds(300)
        ) {
            self.maxAlerts = max(1, maxAlerts)
            self.maxDelay = maxDelay
            self.maxQueued = max(self.maxAlerts, maxQueued)
            self.retryInitial = retryInitial
            self.retryMax = max(retryInitial, retryMax)
        }
    }

    /// What happened so far.
    public struct Counters: Hashable, Sendable {
        /// Alerts taken in.
        public var received = 0
        /// Mails delivered.
        public var mailsSent = 0
        /// Alerts in delivered mails.
        public var alertsSent = 0
        /// Failed delivery attempts.
        public var failures = 0
        /// Alerts dropped because the queue was full.
        public var dropped = 0
    }

    /// The settings.
    public let settings: Settings
    /// What happened so far.
    public private(set) var counters = Counters()
    private var pending: Deque<(record: RIDMsgFormat, arrived: ContinuousClock.Instant)> = []
    private var retryAt: ContinuousClock.Instant?
    private var consecutiveFailures = 0

    public init(settings: Settings) {
        self.settings = settings
    }

    /// Alerts waiting.
    public var pendingCount: Int { pending.count }

    /// Queues an alert; drops the oldest when the queue is full.
    public mutating func add(_ record: RIDMsgFormat, now: ContinuousClock.Instant) {
        counters.received += 1
        if pending.count >= settings.maxQueued {
            pending.removeFirst()
            counters.dropped += 1
        }
        pending.append((record, now))
    }

    /// The alerts of the mail to send now, or nil when none is due (nothing pending, fewer than
    /// `maxAlerts` younger than `maxDelay`, or a retry not yet due); `force` (at shutdown) ignores
    /// the delays.
    public func dueBatch(now: ContinuousClock.Instant, force: Bool = false) -> [RIDMsgFormat]? {
        guard let oldest = pending.first else { return nil }
        if force {
            return pending.prefix(settings.maxAlerts).map(\.record)
        } else if let retryAt {
            guard now >= retryAt else { return nil }
        } else {
            guard pending.count >= settings.maxAlerts || now - oldest.arrived >= settings.maxDelay else { return nil }
        }
        return pending.prefix(settings.maxAlerts).map(\.record)
    }

    /// The first `count` alerts were delivered.
    public mutating func delivered(_ count: Int) {
        let sent = min(count, pending.count)
        pending.removeFirst(sent)
        counters.mailsSent += 1
        counters.alertsSent += sent
        consecutiveFailures = 0
        retryAt = nil
    }

    /// The mail failed; returns the delay before the next attempt.
    @discardableResult
    public mutating func failed(now: ContinuousClock.Instant) -> Duration {
        counters.failures += 1
        consecutiveFailures += 1
        var delay = settings.retryInitial
        for _ in 1..<min(consecutiveFailures, 40) {
            delay *= 2
            if delay >= settings.retryMax { break }
        }
        delay = min(delay, settings.retryMax)
        retryAt = now + delay
        return delay
    }
}
