// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEWire

/// One batch of calls on its way through a connection: the encoded frames (or lines), the
/// contiguous range of request ids they carry, and the storage for the replies.
///
/// Ownership instead of locks: `bytes` is immutable; the write cursor belongs to the writer
/// thread; the reply storage belongs to the reader thread until the batch completes; the caller
/// reads it only after its continuation has been resumed, which orders those accesses.
/// Hence `@unchecked Sendable`. Membership in the connection's queues is guarded by its mutex,
/// and only the side that removes a batch from those queues resumes its continuation.
///
/// The per-call storage is raw memory rather than arrays so that the reader's hot path has no
/// copy-on-write or exclusivity checks.
final class CallBatch: @unchecked Sendable {
    /// The id of the first call; call `i` has id `firstID + i`.
    let firstID: UInt64
    /// Number of calls.
    let count: Int
    /// Encoded CALL frames (frames mode) or lines (lines mode), in id order.
    let bytes: [UInt8]
    /// Whether REPLY data is kept (false: only return values, nothing allocated per call).
    let keepsData: Bool

    // MARK: Writer thread

    /// Calls written so far.
    var writtenCalls = 0
    /// Bytes of `bytes` written so far.
    var writtenBytes = 0

    // MARK: Guarded by the connection's mutex

    /// Monotonic time when the last call was handed to the writer (for the per-request timeout).
    var fullyWrittenAt = Double.infinity

    // MARK: Reader thread

    /// Return values by call index.
    let returnValues: UnsafeMutablePointer<Int32>
    /// `[0]`: calls not answered yet.
    private let counters: UnsafeMutablePointer<Int>
    /// One bit per call: answered already (a second answer is a protocol violation and must
    /// never resume the continuation twice).
    private let answered: UnsafeMutablePointer<UInt64>
    private let answeredWords: Int
    /// REPLY data by call index (only when `keepsData`).
    var data: [[UInt8]]
    /// Calls answered with an ERROR frame, by call index.
    var errors: [Int: ErrorMessage] = [:]

    // MARK: Completion

    /// Set when the whole batch failed (the session ended first).
    var failure: PluginError?
    /// Resumed exactly once, by whoever removes the batch from the connection's queues.
    var continuation: UnsafeContinuation<Void, Never>?

    init(firstID: UInt64, count: Int, bytes: [UInt8], keepsData: Bool) {
        self.firstID = firstID
        self.count = count
        self.bytes = bytes
        self.keepsData = keepsData
        self.returnValues = .allocate(capacity: max(count, 1))
        self.returnValues.initialize(repeating: 0, count: max(count, 1))
        self.counters = .allocate(capacity: 1)
        self.counters.initialize(to: count)
        self.answeredWords = (count + 63) / 64
        self.answered = .allocate(capacity: max(answeredWords, 1))
        self.answered.initialize(repeating: 0, count: max(answeredWords, 1))
        self.data = keepsData ? [[UInt8]](repeating: [], count: count) : []
    }

    deinit {
        returnValues.deallocate()
        counters.deallocate()
        answered.deallocate()
    }

    /// Calls not answered yet.
    var remaining: Int {
        @inline(__always) get { counters.pointee }
    }

    /// Whether `id` belongs to this batch.
    @inline(__always)
    func contains(_ id: UInt64) -> Bool {
        id &- firstID < UInt64(count)
    }

    /// Marks call `index` answered; false if it already was.
    @inline(__always)
    func markAnswered(_ index: Int) -> Bool {
        let word = index >> 6
        let bit = UInt64(1) << UInt64(index & 63)
        if answered[word] & bit != 0 { return false }
        answered[word] |= bit
        counters.pointee -= 1
        return true
    }

    /// The return values as an array (one copy, at completion).
    func returnValueArray() -> [Int32] {
        Array(UnsafeBufferPointer(start: returnValues, count: count))
    }
}
