// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Counts events per rule and key over a sliding window: the n-th event within the window gives
/// one alert, after which that key stays quiet for the threshold's quiet period.
public struct ThresholdTracker: Sendable {
    private struct Entry: Sendable {
        var times: [Double] = []
        var quietUntil = -Double.infinity
    }

    private struct SlotKey: Hashable, Sendable {
        var slot: Int
        var key: String
    }

    private var entries: [String: Entry] = [:]
    private var slotEntries: [SlotKey: Entry] = [:]
    private var recordsSincePrune = 0
    private var horizon = 0.0

    public init() {}

    /// How many keys are tracked.
    public var trackedKeys: Int { entries.count + slotEntries.count }

    /// Records an event of `rule` for `key` at `time`; returns the number of events the alert
    /// stands for when this event reaches the threshold, nil otherwise.
    public mutating func record(rule: String, key: String, time: Double, threshold: AnalysisRule.Threshold) -> Int? {
        pruneIfDue(time: time, threshold: threshold)
        return Self.update(&entries[rule + "\u{0}" + key, default: Entry()], time: time, threshold: threshold)
    }

    /// Like ``record(rule:key:time:threshold:)`` for a rule known by a number (the engine's
    /// rule index): no key string is built per event.
    mutating func record(slot: Int, key: String, time: Double, threshold: AnalysisRule.Threshold) -> Int? {
        pruneIfDue(time: time, threshold: threshold)
        return Self.update(
            &slotEntries[SlotKey(slot: slot, key: key), default: Entry()], time: time, threshold: threshold)
    }

    private mutating func pruneIfDue(time: Double, threshold: AnalysisRule.Threshold) {
        recordsSincePrune += 1
        horizon = max(horizon, threshold.window + threshold.quiet)
        if recordsSincePrune >= 65_536 {
            prune(before: time - horizon)
            recordsSincePrune = 0
        }
    }

    private static func update(_ entry: inout Entry, time: Double, threshold: AnalysisRule.Threshold) -> Int? {
        if time < entry.quietUntil { return nil }
        let oldest = time - threshold.window
        entry.times.removeAll { $0 <= oldest || $0 > time }
        entry.times.append(time)
        guard entry.times.count >= threshold.count else { return nil }
        let count = entry.times.count
        entry.times.removeAll(keepingCapacity: true)
        entry.quietUntil = time + threshold.quiet
        return count
    }

    /// Forgets keys with no event after `limit` and no quiet period running.
    public mutating func prune(before limit: Double) {
        func keep(_ entry: Entry) -> Bool { (entry.times.last ?? -Double.infinity) > limit || entry.quietUntil > limit }
        entries = entries.filter { keep($0.value) }
        slotEntries = slotEntries.filter { keep($0.value) }
    }
}
