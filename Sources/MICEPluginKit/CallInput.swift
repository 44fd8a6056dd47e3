// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The arguments of one call, viewed in place in the input buffer (valid during the call only).
public struct CallInput {
    /// The request id of the CALL.
    public let id: UInt64
    /// The `fileType` argument for format, filter and pseudonymizer modules; nil for the others.
    public let fileType: UInt32?
    /// The data argument: raw line, record or argument string.
    public let data: UnsafeRawBufferPointer

    public init(id: UInt64, fileType: UInt32?, data: UnsafeRawBufferPointer) {
        self.id = id
        self.fileType = fileType
        self.data = data
    }

    /// A copy of the data.
    public var bytes: [UInt8] { Array(data) }
}
