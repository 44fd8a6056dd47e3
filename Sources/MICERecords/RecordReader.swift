// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Reads the fields of a fixed-layout record. The caller checks the record size first; every
/// offset used here then lies inside the buffer.
struct RecordReader {
    let bytes: UnsafeRawBufferPointer

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// A `char[size]` field up to its first NUL, or all `size` bytes when it has none: fixed
    /// fields from the network are never trusted to be terminated.
    func text(at offset: Int, size: Int) -> [UInt8] {
        let field = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + size)])
        return Array(field.prefix { $0 != 0 })
    }

    /// A field's bytes as stored, with trailing zero bytes removed (for unions kept raw).
    func rawTrimmed(at offset: Int, size: Int) -> [UInt8] {
        let field = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + size)])
        guard let last = field.lastIndex(where: { $0 != 0 }) else { return [] }
        return Array(field[...last])
    }

    /// Whether every byte of a field is zero.
    func isZero(at offset: Int, size: Int) -> Bool {
        UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + size)]).allSatisfy { $0 == 0 }
    }

    func uint16LE(at offset: Int) -> UInt16 {
        UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    func uint32LE(at offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    func int32LE(at offset: Int) -> Int32 {
        Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self))
    }

    func uint32BE(at offset: Int) -> UInt32 {
        UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    func int32BE(at offset: Int) -> Int32 {
        Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self))
    }
}

extension RecordReader {
    /// Runs `body` on the bytes of a record after checking that there are exactly `size` of them.
    static func withRecord<Result>(
        _ bytes: some Collection<UInt8>, size: Int, recordType: String,
        _ body: (RecordReader) throws(RecordError) -> Result
    ) throws(RecordError) -> Result {
        guard bytes.count == size else {
            let code: RecordError.Code = bytes.count < size ? .truncatedRecord : .sizeMismatch
            throw RecordError(
                code, recordType: recordType, offset: min(bytes.count, size),
                detail: "expected \(size) bytes, got \(bytes.count)")
        }
        let result: Swift.Result<Result, RecordError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Swift.Result { () throws(RecordError) -> Result in try body(RecordReader(UnsafeRawBufferPointer(buffer))) }
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        let fallback = copy.withUnsafeBytes { buffer in
            Swift.Result { () throws(RecordError) -> Result in try body(RecordReader(buffer)) }
        }
        return try fallback.get()
    }
}
