// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The fixed 16-byte header in front of every frame, all fields big-endian:
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 4 | payload length (bytes after the header) |
/// | 4 | 2 | frame type |
/// | 6 | 2 | flags (reserved, zero) |
/// | 8 | 8 | request id (0 for frames that are not part of a request) |
public struct FrameHeader: Hashable, Sendable {
    /// Size of the encoded header.
    public static let size = 16

    public var length: UInt32
    public var type: FrameType
    public var flags: UInt16
    public var id: UInt64

    public init(length: UInt32, type: FrameType, flags: UInt16 = 0, id: UInt64 = 0) {
        self.length = length
        self.type = type
        self.flags = flags
        self.id = id
    }

    /// Reads a header from the first 16 bytes of `bytes` (which must hold at least that many).
    @inlinable
    public init(reading bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= FrameHeader.size)
        self.length = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        self.type = FrameType(rawValue: UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self)))
        self.flags = UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
        self.id = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    }

    /// Writes the header into the first 16 bytes of `bytes`.
    @inlinable
    public func write(to bytes: UnsafeMutableRawBufferPointer) {
        precondition(bytes.count >= FrameHeader.size)
        bytes.storeBytes(of: length.bigEndian, toByteOffset: 0, as: UInt32.self)
        bytes.storeBytes(of: type.rawValue.bigEndian, toByteOffset: 4, as: UInt16.self)
        bytes.storeBytes(of: flags.bigEndian, toByteOffset: 6, as: UInt16.self)
        bytes.storeBytes(of: id.bigEndian, toByteOffset: 8, as: UInt64.self)
    }
}

/// One decoded frame with its payload copied out of the stream.
public struct Frame: Hashable, Sendable {
    public var type: FrameType
    public var flags: UInt16
    public var id: UInt64
    public var payload: [UInt8]

    public init(type: FrameType, id: UInt64 = 0, flags: UInt16 = 0, payload: [UInt8] = []) {
        self.type = type
        self.flags = flags
        self.id = id
        self.payload = payload
    }

    /// The frame's header.
    public var header: FrameHeader {
        FrameHeader(length: UInt32(payload.count), type: type, flags: flags, id: id)
    }

    /// The whole frame, header and payload, as it goes on the wire.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(FrameHeader.size + payload.count)
        FrameEncoder.append(self, to: &bytes)
        return bytes
    }
}
