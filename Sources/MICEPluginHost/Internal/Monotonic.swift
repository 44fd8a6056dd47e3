// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time in seconds, cheap enough for the I/O threads' hot loops.
enum Monotonic {
    /// Seconds since an arbitrary fixed point (CLOCK_MONOTONIC).
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
