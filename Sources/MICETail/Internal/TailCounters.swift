// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Synchronization

/// The tailer's counters, shared by the reader thread (writes) and ``FileTailer/statistics`` (reads).
final class TailCounters: Sendable {
    private let state = Mutex(TailStatistics())

    func withLock<Result>(_ body: (inout TailStatistics) -> Result) -> Result { state.withLock { body(&$0) } }

    var snapshot: TailStatistics { state.withLock { $0 } }
}
