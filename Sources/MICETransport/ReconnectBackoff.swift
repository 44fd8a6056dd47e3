// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Delays between reconnection attempts: exponential, capped, with jitter, reset after success.
///
/// The n-th delay is drawn uniformly from [d/2, d] with d = min(initial × multiplierⁿ, maximum), so
/// many senders that lost the same receiver do not all come back in the same instant. The original
/// DataForwarder slept 0, 1, 2, … seconds; this one never gives up either.
public struct ReconnectBackoff: Hashable, Sendable {
    /// The first delay (before jitter).
    public var initial: Duration
    /// The cap.
    public var maximum: Duration
    /// Growth per failed attempt.
    public var multiplier: Double
    /// A connection counts as a success (the next failure starts again at ``initial``) once it
    /// completed its handshake and stayed up this long or delivered records.
    public var resetAfter: Duration
    private var attempt = 0

    public init(
        initial: Duration = .milliseconds(100),
        maximum: Duration = .seconds(30),
        multiplier: Double = 2,
        resetAfter: Duration = .seconds(5)
    ) {
        self.initial = initial
        self.maximum = max(maximum, initial)
        self.multiplier = max(multiplier, 1)
        self.resetAfter = resetAfter
    }

    /// The delay before the next attempt; each call grows the next one.
    public mutating func nextDelay() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return nextDelay(using: &generator)
    }

    /// The delay before the next attempt, jitter drawn from `generator`.
    public mutating func nextDelay(using generator: inout some RandomNumberGenerator) -> Duration {
        let initialSeconds = Self.seconds(initial)
        let maximumSeconds = Self.seconds(maximum)
        let growth = power(multiplier, Double(min(attempt, 64)))
        let ceiling = min(initialSeconds * growth, maximumSeconds)
        attempt += 1
        let seconds = ceiling / 2 + Double.random(in: 0...1, using: &generator) * ceiling / 2
        return .nanoseconds(Int64(seconds * 1e9))
    }

    /// Starts over at ``initial`` (after a successful connection).
    public mutating func reset() {
        attempt = 0
    }

    /// Failed attempts since the last reset.
    public var failedAttempts: Int { attempt }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    private func power(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(exponent) {
            result *= base
            if result > 1e12 { break }
        }
        return result
    }
}
