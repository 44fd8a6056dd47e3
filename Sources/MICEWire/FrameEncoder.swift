// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Appends frames to an output buffer, so a batch of frames goes out with one `write`.
public enum FrameEncoder {
    /// Appends `frame` (header and payload) to `buffer`.
    public static func append(_ frame: Frame, to buffer: inout [UInt8]) {
        append(type: frame.type, id: frame.id, payload: frame.payload, to: &buffer)
    }

    /// Appends a frame of `type` with `payload` to `buffer`.
    public static func append(
        type: FrameType,
        id: UInt64 = 0,
        payload: some Collection<UInt8>,
        to buffer: inout [UInt8]
    ) {
        appendHeader(FrameHeader(length: UInt32(payload.count), type: type, id: id), to: &buffer)
        buffer.append(contentsOf: payload)
    }

    /// Appends a frame whose payload `body` writes directly into `buffer` after the header;
    /// the length field is patched once `body` returns. No intermediate payload array.
    public static func append(
        type: FrameType,
        id: UInt64 = 0,
        to buffer: inout [UInt8],
        payload body: (inout [UInt8]) throws -> Void
    ) rethrows {
        let headerStart = buffer.count
        appendHeader(FrameHeader(length: 0, type: type, id: id), to: &buffer)
        try body(&buffer)
        let length = UInt32(buffer.count - headerStart - FrameHeader.size)
        buffer.withUnsafeMutableBytes { bytes in
            bytes.storeBytes(of: length.bigEndian, toByteOffset: headerStart, as: UInt32.self)
        }
    }

    /// Appends just a header.
    public static func appendHeader(_ header: FrameHeader, to buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: FrameHeader.size))
        buffer.withUnsafeMutableBytes { bytes in
            header.write(to: UnsafeMutableRawBufferPointer(rebasing: bytes[start..<(start + FrameHeader.size)]))
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` as 4 big-endian bytes.
    @inlinable
    public mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends `value` as 4 big-endian bytes (two's complement).
    @inlinable
    public mutating func appendBigEndian(_ value: Int32) {
        appendBigEndian(UInt32(bitPattern: value))
    }
}
