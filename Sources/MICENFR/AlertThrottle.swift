// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// `alertContext(n)`: an alert goes out at most once every n seconds per (context, alert).
///
/// The choices the seed leaves open, pinned here and in docs/ncode.md:
/// - the key is the context object that `alertContext` returned together with the alert's name,
///   so two alerts sharing a context are throttled separately, and two contexts never share a window;
/// - the window is fixed from the last alert let out (suppressed alerts do not extend it), like
///   Zeek's notice suppression;
/// - time is the packet's time when a capture is replayed, so results do not depend on the speed
///   of the replay;
/// - an alert at exactly `last + n` seconds goes out (`>=`).
/// Suppressed alerts are counted per key for the summary.
public struct AlertThrottle: Sendable {
    /// One throttling window's state.
    public struct Key: Hashable, Sendable {
        /// The context's id (from ``makeContext(seconds:)``).
        public var context: Int
        /// The alert's name.
        public var alert: String

        public init(context: Int, alert: String) {
            self.context = context
            self.alert = alert
        }
    }

    private var intervals: [Int] = []
    private var lastEmitted: [Key: Double] = [:]
    /// Suppressed alerts per key.
    public private(set) var suppressed: [Key: Int] = [:]

    public init() {}

    /// A new context of `seconds` (negative counts as 0: no throttling); returns its id.
    public mutating func makeContext(seconds: Int) -> Int {
        intervals.append(max(0, seconds))
        return intervals.count - 1
    }

    /// The interval of a context, or nil for an unknown id.
    public func interval(of context: Int) -> Int? {
        intervals.indices.contains(context) ? intervals[context] : nil
    }

    /// Whether an alert at `time` (seconds, fractional) may go out; records it when it may, counts
    /// it as suppressed when not. An unknown context does not throttle.
    public mutating func admit(context: Int, alert: String, time: Double) -> Bool {
        guard let seconds = interval(of: context), seconds > 0 else { return true }
        let key = Key(context: context, alert: alert)
        if let last = lastEmitted[key], time < last + Double(seconds) {
            suppressed[key, default: 0] += 1
            return false
        }
        lastEmitted[key] = time
        return true
    }

    /// All suppressed alerts.
    public var totalSuppressed: Int { suppressed.values.reduce(0, +) }
}
