// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Synchronization

/// Wakes tasks waiting for "something changed" (new records spooled, acknowledgements arrived).
///
/// A generation counter makes it race-free: read ``generation``, check the condition, and if it
/// does not hold yet, ``wait(after:)`` returns as soon as the generation moved past the value read,
/// even when the change came in between. Waiting ends early on task cancellation.
final class ChangeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    init() {}

    /// The current generation.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Advances the generation and wakes every waiter.
    func notify() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            let waiters = state.waiters
            state.waiters.removeAll()
            return waiters
        }
        for waiter in waiters.values { waiter.resume() }
    }

    /// Returns once the generation is past `generation`, or the task is cancelled.
    func wait(after generation: UInt64) async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.generation != generation || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// Returns true once the generation is past `generation`, false when `timeout` passed first
    /// (or the task was cancelled).
    func wait(after generation: UInt64, timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.wait(after: generation)
                return self.generation != generation
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
