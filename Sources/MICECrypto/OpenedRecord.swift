// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords

/// The inner record of an opened cipher envelope.
public struct OpenedRecord: Hashable, Sendable {
    /// The inner record's encoded bytes (decrypted, or the plaintext payload).
    public var bytes: [UInt8]
    /// Whether the envelope was encrypted (`IVLen != 0`).
    public var wasEncrypted: Bool
    /// The inner checksum's outcome, `nil` for a record type without checksum.
    public var checksum: ChecksumVerification?

    /// Creates a result.
    /// - Parameters:
    ///   - bytes: The inner record.
    ///   - wasEncrypted: Whether it was encrypted.
    ///   - checksum: The checksum outcome.
    public init(bytes: [UInt8], wasEncrypted: Bool, checksum: ChecksumVerification?) {
        self.bytes = bytes
        self.wasEncrypted = wasEncrypted
        self.checksum = checksum
    }
}
