// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import DequeModule
import Synchronization

/// An async lock, first come first served: holds a sender's admission of a record and its
/// hand-over to the application together, so that two connections of one sender (the old one
/// still draining its buffered frames after the sender restarted, and the new one) can never hand
/// records over out of order. Uncontended, it costs two short mutex sections.
final class DeliveryLock: Sendable {
    private struct State {
        var isLocked = false
        var waiters: Deque<CheckedContinuation<Void, Never>> = []
    }

    private let state = Mutex(State())

    init() {}

    /// Waits until the lock is free and takes it.
    func lock() async {
        let taken = state.withLock { state in
            guard state.isLocked else {
                state.isLocked = true
                return true
            }
            return false
        }
        if taken { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                guard state.isLocked else {
                    state.isLocked = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Releases the lock, handing it straight to the first waiter if there is one.
    func unlock() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiters.popFirst() { return waiter }
            state.isLocked = false
            return nil
        }
        next?.resume()
    }
}
