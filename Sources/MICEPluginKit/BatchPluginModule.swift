// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A module that completes its calls in batches: a database writer that commits many records in
/// one transaction, and whose REPLY must mean "committed".
///
/// The SDK still hands every CALL to ``PluginModule/call(_:reply:)`` one by one, in order; the
/// module stages the work and returns the value it expects. When the batch ends, the SDK calls
/// ``endBatch(_:)`` **before any REPLY of the batch is written**; the module does the work (commits)
/// and may change the return values, e.g. to a negative value when the commit failed.
///
/// A batch is every CALL of one read of the input, extended by further reads while more input is
/// already waiting (no wait is ever added), up to ``maxBatchCalls`` calls. A batch also ends before
/// the module is shut down, so staged work is never left behind. Calls answered with an ERROR
/// frame (a thrown ``PluginCallError``) are not part of the batch; their ERROR frames are written
/// with the batch's replies.
///
/// ```swift
/// @main
/// struct Writer: BatchPluginModule {
///     static let pluginName = "mice-pop-example"
///     var staged: [[UInt8]] = []
///     init(context: PluginContext) throws {}
///     mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
///         staged.append(input.bytes)
///         return 0
///     }
///     mutating func endBatch(_ batch: inout CallBatch) {
///         if !commit(staged) { batch.replaceReturnValues(where: { $0 == 0 }, with: -2) }
///         staged.removeAll(keepingCapacity: true)
///     }
/// }
/// ```
public protocol BatchPluginModule: PluginModule {
    /// The largest number of calls in one batch (default 1000).
    static var maxBatchCalls: Int { get }

    /// Ends a batch: do the staged work, then adjust `batch.returnValues` if needed. Called after
    /// ``PluginModule/call(_:reply:)`` returned for every call of the batch and before their
    /// replies are written; never called for an empty batch.
    mutating func endBatch(_ batch: inout CallBatch)
}

extension BatchPluginModule {
    public static var maxBatchCalls: Int { 1000 }

    /// Entry point for `@main` conformers: the frame loop with batches.
    public static func main() {
        PluginRunner.runBatching(Self.self)
    }
}
