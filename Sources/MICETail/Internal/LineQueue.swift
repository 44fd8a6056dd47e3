// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import DequeModule

#if canImport(Glibc)
import Glibc
#endif

/// The bounded hand-over from the reader thread to the async consumer.
///
/// The reader thread blocks in ``push(_:)`` while the queue is full (back-pressure reaches the
/// files, never an unbounded buffer); the consumer suspends in ``next()`` while it is empty.
final class LineQueue: @unchecked Sendable {
    // @unchecked Sendable: every stored var is read and written with `mutex` held.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let notFull: UnsafeMutablePointer<pthread_cond_t>
    private var buffer = Deque<TailLine>()
    private var waiter: CheckedContinuation<TailLine?, Never>?
    private var isFinished = false
    private var isClosed = false
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        notFull = .allocate(capacity: 1)
        pthread_cond_init(notFull, nil)
    }

    deinit {
        pthread_cond_destroy(notFull)
        pthread_mutex_destroy(mutex)
        notFull.deallocate()
        mutex.deallocate()
    }

    /// Hands a line over; blocks while the queue is full.
    /// - Returns: false when the queue was closed (the consumer is gone): stop reading.
    func push(_ line: TailLine) -> Bool {
        pthread_mutex_lock(mutex)
        while true {
            if isClosed {
                pthread_mutex_unlock(mutex)
                return false
            }
            if let waiter {
                self.waiter = nil
                pthread_mutex_unlock(mutex)
                waiter.resume(returning: line)
                return true
            }
            if buffer.count < capacity {
                buffer.append(line)
                pthread_mutex_unlock(mutex)
                return true
            }
            pthread_cond_wait(notFull, mutex)
        }
    }

    /// No more lines will come: the consumer gets nil after the buffered ones.
    func finish() {
        pthread_mutex_lock(mutex)
        isFinished = true
        let waiter = buffer.isEmpty ? self.waiter : nil
        if waiter != nil { self.waiter = nil }
        pthread_mutex_unlock(mutex)
        waiter?.resume(returning: nil)
    }

    /// The consumer is gone: drop what is buffered and make ``push(_:)`` return false.
    func close() {
        pthread_mutex_lock(mutex)
        isClosed = true
        isFinished = true
        buffer.removeAll()
        let waiter = self.waiter
        self.waiter = nil
        pthread_cond_broadcast(notFull)
        pthread_mutex_unlock(mutex)
        waiter?.resume(returning: nil)
    }

    /// Lines buffered now (for tests and statistics).
    var count: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return buffer.count
    }

    /// The next line, or nil once the queue is finished and empty, or when the task is cancelled
    /// (which also closes the queue).
    func next() async -> TailLine? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<TailLine?, Never>) in
                pthread_mutex_lock(mutex)
                if let line = buffer.popFirst() {
                    pthread_cond_signal(notFull)
                    pthread_mutex_unlock(mutex)
                    continuation.resume(returning: line)
                    return
                }
                if isFinished || isClosed {
                    pthread_mutex_unlock(mutex)
                    continuation.resume(returning: nil)
                    return
                }
                waiter = continuation
                pthread_mutex_unlock(mutex)
            }
        } onCancel: {
            close()
        }
    }
}
