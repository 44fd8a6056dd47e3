// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Crypto
import Synchronization

/// The daemon-wide replay defence: a request's timestamp must lie within `window` seconds of the
/// daemon's clock (before or after), and the digest of a request seen within the window is
/// refused a second time, on any connection. Each connection further demands strictly
/// increasing timestamps (``ConnectionClock``), as the original did.
public final class ReplayGuard: Sendable {
    /// Why a request was refused.
    public enum Refusal: Hashable, Sendable, CustomStringConvertible {
        /// The timestamp is more than the window before the clock.
        case tooOld(timestamp: UInt32, now: UInt32)
        /// The timestamp is more than the window after the clock.
        case inFuture(timestamp: UInt32, now: UInt32)
        /// The same request was accepted before (within the window).
        case duplicate
        /// The timestamp is not greater than the previous one on this connection.
        case notIncreasing(timestamp: UInt32, previous: UInt32)

        public var description: String {
            switch self {
            case .tooOld(let timestamp, let now): return "timestamp \(timestamp) too old (clock \(now))"
            case .inFuture(let timestamp, let now): return "timestamp \(timestamp) in the future (clock \(now))"
            case .duplicate: return "a replay of an earlier request"
            case .notIncreasing(let timestamp, let previous):
                return "timestamp \(timestamp) not after \(previous) on this connection"
            }
        }
    }

    /// Seconds of clock difference accepted.
    public let window: UInt32
    private let seen = Mutex<[[UInt8]: UInt32]>([:])

    /// Creates a guard.
    /// - Parameter window: Seconds (1 or more).
    public init(window: Int) {
        self.window = UInt32(clamping: max(window, 1))
    }

    /// Checks a request and remembers it when accepted.
    /// - Parameters:
    ///   - timestamp: The request's timestamp (low 32 bits of the seconds).
    ///   - message: The decrypted stReactionMsg bytes.
    ///   - now: The daemon's clock, in seconds.
    /// - Returns: nil when accepted, otherwise the refusal.
    public func admit(timestamp: UInt32, message: [UInt8], now: UInt32) -> Refusal? {
        if timestamp < now, now - timestamp > window { return .tooOld(timestamp: timestamp, now: now) }
        if timestamp > now, timestamp - now > window { return .inFuture(timestamp: timestamp, now: now) }
        let digest = Array(SHA256.hash(data: message))
        return seen.withLock { seen -> Refusal? in
            if seen.count > 4096 {
                let horizon = now &- window
                let ceiling = now &+ window
                for (key, value) in seen where value < horizon || value > ceiling {
                    seen.removeValue(forKey: key)
                }
            }
            if seen[digest] != nil { return .duplicate }
            seen[digest] = timestamp
            return nil
        }
    }

    /// A connection's last accepted timestamp: each request's must be strictly greater.
    public struct ConnectionClock: Sendable {
        /// The last accepted timestamp, nil before the first request.
        public private(set) var last: UInt32?

        /// Creates a clock for a new connection.
        public init() {}

        /// Accepts `timestamp` when it is after the last one.
        /// - Returns: nil when accepted, otherwise the refusal.
        public mutating func advance(to timestamp: UInt32) -> Refusal? {
            if let last, timestamp <= last { return .notIncreasing(timestamp: timestamp, previous: last) }
            last = timestamp
            return nil
        }
    }
}
