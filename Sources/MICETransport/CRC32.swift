// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the check of zlib, gzip and PNG.
///
/// Guards every record of the ``DiskSpool`` against torn writes and bit rot. Slicing-by-8, so a
/// 6632-byte record costs a few microseconds. `CRC32.checksum("123456789")` is 0xCBF43926.
public enum CRC32 {
    /// The CRC of `bytes`, continuing from `crc` (0 to start).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var value = ~crc
        guard var pointer = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return crc }
        var count = bytes.count
        table.withUnsafeBufferPointer { table in
            while count >= 8 {
                let low = value ^ UInt32(littleEndianBytes: pointer)
                let high = UInt32(littleEndianBytes: pointer + 4)
                value =
                    table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((low >> 16) & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
                    ^ table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ table[1 * 256 + Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
                pointer += 8
                count -= 8
            }
            while count > 0 {
                value = table[Int((value ^ UInt32(pointer.pointee)) & 0xFF)] ^ (value >> 8)
                pointer += 1
                count -= 1
            }
        }
        return ~value
    }

    /// The CRC of `bytes`, continuing from `crc` (0 to start).
    public static func checksum(_ bytes: some Collection<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        if let result = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0), continuing: crc) }
        ) {
            return result
        }
        return Array(bytes).withUnsafeBytes { checksum($0, continuing: crc) }
    }

    /// Eight 256-entry tables: table 0 is the classic byte table, table k advances k more zero bytes.
    private static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for index in 0..<256 {
            var value = UInt32(index)
            for _ in 0..<8 { value = (value & 1) != 0 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1 }
            table[index] = value
        }
        for index in 0..<256 {
            var value = table[index]
            for slice in 1..<8 {
                value = table[Int(value & 0xFF)] ^ (value >> 8)
                table[slice * 256 + index] = value
            }
        }
        return table
    }()
}

extension UInt32 {
    fileprivate init(littleEndianBytes pointer: UnsafePointer<UInt8>) {
        self =
            UInt32(pointer[0]) | (UInt32(pointer[1]) << 8) | (UInt32(pointer[2]) << 16) | (UInt32(pointer[3]) << 24)
    }
}
