// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// What a line parser made of a line: the structured record, how many fields it found, and what
/// it could not read (a missing field, a number that is not one). Fields not found are empty or 0.
public struct ParsedLine<Record: Hashable & Sendable>: Hashable, Sendable {
    /// The structured record.
    public var record: Record
    /// The number of fields found in the line (a field found empty counts).
    public var fieldsFound: Int
    /// One entry per field that was missing or malformed, e.g. `PID: "4x2" is not a number`.
    public var problems: [String]

    /// Creates a result.
    public init(record: Record, fieldsFound: Int, problems: [String] = []) {
        self.record = record
        self.fieldsFound = fieldsFound
        self.problems = problems
    }
}
