// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#endif

/// Where the engine gets "now" from (thresholds, contexts, alert times); injectable for tests.
public protocol AnalysisClock: Sendable {
    /// Seconds since 1970-01-01T00:00:00Z.
    func now() -> Double
}

/// The system's real-time clock.
public struct SystemAnalysisClock: AnalysisClock {
    public init() {}

    public func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

/// A clock that returns whatever it was last set to.
public final class ManualAnalysisClock: AnalysisClock, @unchecked Sendable {
    private let lock = NSLockShim()
    private var value: Double

    public init(_ value: Double) { self.value = value }

    public func now() -> Double { lock.withLock { value } }

    /// Sets the time.
    public func set(_ newValue: Double) { lock.withLock { value = newValue } }

    /// Moves the time forward.
    public func advance(by seconds: Double) { lock.withLock { value += seconds } }
}

/// A pthread mutex.
final class NSLockShim: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
