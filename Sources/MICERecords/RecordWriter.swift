// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Writes the fields of a fixed-layout record into a zeroed buffer of the record's size.
struct RecordWriter {
    let bytes: UnsafeMutableRawBufferPointer

    init(_ bytes: UnsafeMutableRawBufferPointer) {
        self.bytes = bytes
    }

    /// Stores a `char[size]` field: at most `size - 1` bytes, so a NUL always follows, and zeroes
    /// the rest of the field. Returns the number of bytes stored.
    @discardableResult
    func setText(_ value: [UInt8], at offset: Int, size: Int) -> Int {
        setRaw(value, at: offset, size: size, limit: size - 1)
    }

    /// Stores up to `size` bytes (no terminator needed) and zeroes the rest of the field.
    @discardableResult
    func setRaw(_ value: [UInt8], at offset: Int, size: Int, limit: Int? = nil) -> Int {
        let count = min(value.count, limit ?? size)
        value.withUnsafeBytes { source in
            let target = UnsafeMutableRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<count]))
        }
        let rest = UnsafeMutableRawBufferPointer(rebasing: bytes[(offset + count)..<(offset + size)])
        rest.initializeMemory(as: UInt8.self, repeating: 0)
        return count
    }

    func setUInt16LE(_ value: UInt16, at offset: Int) {
        bytes.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt16.self)
    }

    func setUInt32LE(_ value: UInt32, at offset: Int) {
        bytes.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
    }

    func setInt32LE(_ value: Int32, at offset: Int) {
        bytes.storeBytes(of: value.littleEndian, toByteOffset: offset, as: Int32.self)
    }

    func setUInt32BE(_ value: UInt32, at offset: Int) {
        bytes.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
    }

    func setInt32BE(_ value: Int32, at offset: Int) {
        bytes.storeBytes(of: value.bigEndian, toByteOffset: offset, as: Int32.self)
    }

    /// Builds a record of `size` zero bytes and lets `body` fill it.
    static func makeRecord(size: Int, _ body: (RecordWriter) -> Void) -> [UInt8] {
        var record = [UInt8](repeating: 0, count: size)
        record.withUnsafeMutableBytes { body(RecordWriter($0)) }
        return record
    }
}
