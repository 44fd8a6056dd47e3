// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import DequeModule
import Synchronization

/// What a full queue does with a new element.
public enum OverflowPolicy: String, Sendable, Hashable, CaseIterable {
    /// The producer waits until there is room: backpressure all the way to the sender.
    case block
    /// The new element is dropped and counted.
    case dropNewest = "drop-newest"
    /// The oldest queued element is dropped and counted to make room.
    case dropOldest = "drop-oldest"
}

private enum PushStep {
    case added, wait, closed
}

/// A bounded FIFO between async producers and one async consumer: the BufferDaemon's ring buffer.
///
/// Unlike the original ring, which overwrote the oldest record silently when full, the policy is
/// explicit and every drop is counted (``dropped``). With ``OverflowPolicy/block`` nothing is ever
/// dropped: `push` waits until the consumer has taken enough.
public final class BoundedQueue<Element: Sendable>: Sendable {
    private struct State {
        var items: Deque<Element> = []
        var dropped = 0
        var closed = false
        var hurried = false
        var notEmpty: [CheckedContinuation<Void, Never>] = []
        var notFull: [CheckedContinuation<Void, Never>] = []
    }

    /// Most elements held at once.
    public let capacity: Int
    /// What a full queue does.
    public let policy: OverflowPolicy
    private let state = Mutex(State())

    public init(capacity: Int, policy: OverflowPolicy) {
        self.capacity = max(capacity, 1)
        self.policy = policy
    }

    /// Elements queued now.
    public var count: Int { state.withLock { $0.items.count } }
    /// Elements dropped by the overflow policy so far.
    public var dropped: Int { state.withLock { $0.dropped } }

    /// Adds elements in order, applying the overflow policy to each.
    /// - Returns: the elements dropped (for acknowledging or logging them).
    @discardableResult
    public func push(_ elements: [Element]) async -> [Element] {
        var rejected: [Element] = []
        var index = 0
        while index < elements.count {
            let step: PushStep = state.withLock { state in
                if state.closed { return .closed }
                if state.items.count < capacity {
                    // As many as fit, under one lock.
                    let count = min(capacity - state.items.count, elements.count - index)
                    state.items.append(contentsOf: elements[index..<(index + count)])
                    index += count - 1
                    return .added
                }
                switch policy {
                case .block:
                    return .wait
                case .dropNewest:
                    state.dropped += 1
                    rejected.append(elements[index])
                    return .added
                case .dropOldest:
                    state.dropped += 1
                    if let oldest = state.items.popFirst() { rejected.append(oldest) }
                    state.items.append(elements[index])
                    return .added
                }
            }
            switch step {
            case .added:
                index += 1
            case .closed:
                rejected.append(contentsOf: elements[index...])
                index = elements.count
            case .wait:
                wakeConsumer()
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state in
                        if state.closed || state.items.count < capacity { return true }
                        state.notFull.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
        wakeConsumer()
        return rejected
    }

    /// Takes up to `maximum` elements, waiting until at least `minimum` are queued or `timeout`
    /// seconds have passed (then it returns what there is, possibly nothing). Returns at once with
    /// what is left when the queue is closed.
    public func take(maximum: Int, minimum: Int, timeout: Duration) async -> [Element] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (batch, enough) = state.withLock { state -> ([Element], Bool) in
                let ready =
                    state.items.count >= min(minimum, capacity) || state.closed
                    || (state.hurried && !state.items.isEmpty)
                guard ready || ContinuousClock.now >= deadline else { return ([], false) }
                let count = min(maximum, state.items.count)
                let batch = Array(state.items.prefix(count))
                state.items.removeFirst(count)
                return (batch, true)
            }
            if enough {
                if !batch.isEmpty { wakeProducers() }
                return batch
            }
            // Wait for a push or the deadline, whichever comes first.
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await withCheckedContinuation { continuation in
                        let resumeNow = self.state.withLock { state in
                            if state.items.count >= min(minimum, self.capacity) || state.closed
                                || (state.hurried && !state.items.isEmpty)
                            {
                                return true
                            }
                            state.notEmpty.append(continuation)
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                }
                group.addTask {
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    self.wakeConsumer()
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// From now on ``take(maximum:minimum:timeout:)`` returns as soon as anything is queued, without
    /// waiting for `minimum` or the timeout (a daemon that is stopping wants its records out now).
    public func hurry() {
        state.withLock { $0.hurried = true }
        wakeConsumer()
    }

    /// Closes the queue: producers stop waiting (their elements are returned as rejected),
    /// the consumer gets what is left.
    public func close() {
        let waiters = state.withLock { state in
            state.closed = true
            let waiters = state.notEmpty + state.notFull
            state.notEmpty = []
            state.notFull = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func wakeConsumer() {
        let waiters = state.withLock { state in
            let waiters = state.notEmpty
            state.notEmpty = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func wakeProducers() {
        let waiters = state.withLock { state in
            let waiters = state.notFull
            state.notFull = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
