// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The arguments of one call of a module function, as a CALL frame carries them.
///
/// The payload is exactly what the original C function took (docs/plugin-protocol.md, "Calls"):
/// for format, filter and pseudonymizer modules a 4-byte big-endian file type (FTF_*) followed by
/// the raw line or the LogFormat record; for the other kinds just the bytes (encoded record,
/// decoded record, argument string).
public struct ModuleCall: Hashable, Sendable {
    /// The `u_int fileType` argument, for the kinds that take one.
    public var fileType: UInt32?
    /// The data argument: raw line, record or argument string.
    public var data: [UInt8]

    public init(fileType: UInt32? = nil, data: [UInt8]) {
        self.fileType = fileType
        self.data = data
    }

    /// Appends the CALL payload for a module of `kind` to `buffer`.
    public func appendPayload(kind: ModuleKind, to buffer: inout [UInt8]) {
        if kind.callCarriesFileType { buffer.appendBigEndian(fileType ?? 0) }
        buffer.append(contentsOf: data)
    }

    /// Decodes a CALL payload for a module of `kind`.
    public init(kind: ModuleKind, payload: UnsafeRawBufferPointer) throws(WireError) {
        if kind.callCarriesFileType {
            guard payload.count >= 4 else {
                throw WireError(.badPayload, "\(kind) CALL needs a 4-byte file type, got \(payload.count) bytes")
            }
            self.fileType = UInt32(bigEndian: payload.loadUnaligned(as: UInt32.self))
            self.data = Array(payload[4...])
        } else {
            self.fileType = nil
            self.data = Array(payload)
        }
    }
}

/// The result of one call, as a REPLY frame carries it: the original return value (4 bytes,
/// big-endian, signed) and, where the original wrote a buffer or returned one, those bytes.
public struct ModuleReply: Hashable, Sendable {
    /// What the original function returned (for a decoder: 0 = pointer, -1 = NULL).
    public var returnValue: Int32
    /// The record the function filled or returned; empty where it returns none.
    public var data: [UInt8]

    public init(returnValue: Int32, data: [UInt8] = []) {
        self.returnValue = returnValue
        self.data = data
    }

    /// Appends the REPLY payload to `buffer`.
    public func appendPayload(to buffer: inout [UInt8]) {
        buffer.appendBigEndian(returnValue)
        buffer.append(contentsOf: data)
    }

    /// Decodes a REPLY payload.
    public init(payload: UnsafeRawBufferPointer) throws(WireError) {
        guard payload.count >= 4 else {
            throw WireError(.badPayload, "REPLY needs a 4-byte return value, got \(payload.count) bytes")
        }
        self.returnValue = Int32(bitPattern: UInt32(bigEndian: payload.loadUnaligned(as: UInt32.self)))
        self.data = Array(payload[4...])
    }

    /// Reads only the return value of a REPLY payload, without copying its data.
    public static func returnValue(of payload: UnsafeRawBufferPointer) throws(WireError) -> Int32 {
        guard payload.count >= 4 else {
            throw WireError(.badPayload, "REPLY needs a 4-byte return value, got \(payload.count) bytes")
        }
        return Int32(bitPattern: UInt32(bigEndian: payload.loadUnaligned(as: UInt32.self)))
    }
}
