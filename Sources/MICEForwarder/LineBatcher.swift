// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICETail

/// Collects the tailer's lines into batches: a batch is whatever has arrived since the last one
/// (at most a maximum), so a busy file gives large batches and a quiet one single lines at once.
///
/// Bounded: a producer waits while `capacity` lines are waiting.
actor LineBatcher {
    private var buffer: [TailLine] = []
    private var isFinished = false
    private var consumer: CheckedContinuation<Void, Never>?
    private var producer: CheckedContinuation<Void, Never>?
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Adds a line, waiting while the buffer is full.
    func push(_ line: TailLine) async {
        while buffer.count >= capacity && !isFinished {
            await withCheckedContinuation { producer = $0 }
        }
        buffer.append(line)
        consumer?.resume()
        consumer = nil
    }

    /// No more lines will come; ``next(max:)`` returns nil once the buffer is empty.
    func finish() {
        isFinished = true
        consumer?.resume()
        consumer = nil
        producer?.resume()
        producer = nil
    }

    /// The lines waiting (up to `max`), waiting for at least one; nil at the end.
    func next(max: Int) async -> [TailLine]? {
        while buffer.isEmpty && !isFinished {
            await withCheckedContinuation { consumer = $0 }
        }
        if buffer.isEmpty { return nil }
        let count = min(max, buffer.count)
        let batch = Array(buffer[0..<count])
        buffer.removeFirst(count)
        producer?.resume()
        producer = nil
        return batch
    }
}
