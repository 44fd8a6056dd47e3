// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Counts events per rule and key over a sliding window: the n-th event within the window gives
/// one alert, after which that key stays quiet for the threshold's quiet period.
public struct ThresholdTracker: Sendable {
    private struct Entry: Sendable {
        var times: [Double] = []
        var quietUntil = -Double.infinity
    }

    private var entries: [String: Entry] = [:]
    private var recordsSincePrune = 0
    private var horizon = 0.0

    public init() {}

    /// How many keys are tracked.
    public var trackedKeys: Int { entries.count }

    /// Records an event of `rule` for `key` at `time`; returns the number of events the alert
    /// stands for when this event reaches the threshold, nil otherwise.
    public mutating func record(rule: String, key: String, time: Double, threshold: AnalysisRule.Threshold) -> Int? {
        recordsSincePrune += 1
        horizon = max(horizon, threshold.window + threshold.quiet)
        if recordsSincePrune >= 65_536 {
            prune(before: time - horizon)
            recordsSincePrune = 0
        }
        let slot = rule + "\u{0}" + key
        var entry = entries[slot] ?? Entry()
        defer { entries[slot] = entry }
        if time < entry.quietUntil { return nil }
        entry.times.removeAll { $0 <= time - threshold.window || $0 > time }
        entry.times.append(time)
        guard entry.times.count >= threshold.count else { return nil }
        let count = entry.times.count
        entry.times.removeAll()
        entry.quietUntil = time + threshold.quiet
        return count
    }

    /// Forgets keys with no event after `limit` and no quiet period running.
    public mutating func prune(before limit: Double) {
        entries = entries.filter { ($0.value.times.last ?? -Double.infinity) > limit || $0.value.quietUntil > limit }
    }
}
