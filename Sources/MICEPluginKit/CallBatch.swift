// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The calls of one batch of a ``BatchPluginModule``, with the return values their replies will
/// carry; the module may change the values in ``BatchPluginModule/endBatch(_:)``.
public struct CallBatch {
    /// The request ids of the calls that returned a value, in the order they arrived.
    public internal(set) var callIDs: [UInt64]
    /// The return value of each call of ``callIDs`` (same index), as `call` returned it; what is
    /// here when `endBatch` returns is what the replies carry.
    public var returnValues: [Int32]

    /// A batch; the SDK makes these, tests may too.
    public init(callIDs: [UInt64] = [], returnValues: [Int32] = []) {
        precondition(callIDs.count == returnValues.count, "one return value per call")
        self.callIDs = callIDs
        self.returnValues = returnValues
    }

    /// The number of calls in the batch.
    public var count: Int { callIDs.count }

    /// True when the batch holds no call.
    public var isEmpty: Bool { callIDs.isEmpty }

    /// Replaces every return value that satisfies `predicate` with `value`, e.g. all the zeros
    /// (staged records) with a negative value when the commit failed.
    /// - Returns: How many values were replaced.
    @discardableResult
    public mutating func replaceReturnValues(where predicate: (Int32) -> Bool, with value: Int32) -> Int {
        var replaced = 0
        for index in returnValues.indices where predicate(returnValues[index]) {
            returnValues[index] = value
            replaced += 1
        }
        return replaced
    }

    mutating func append(id: UInt64, value: Int32) {
        callIDs.append(id)
        returnValues.append(value)
    }

    mutating func removeAll() {
        callIDs.removeAll(keepingCapacity: true)
        returnValues.removeAll(keepingCapacity: true)
    }
}
