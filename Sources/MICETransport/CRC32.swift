// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import CMICECRC32

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the check of zlib, gzip and PNG.
///
/// Guards every record of the ``DiskSpool`` against torn writes and bit rot.
/// `CRC32.checksum("123456789")` is 0xCBF43926.
///
/// Buffers of 64 bytes and more are folded with carry-less multiplication (PCLMULQDQ, CMICECRC32)
/// when the CPU has it: 16 bytes per step, several times faster than the table; a spooled record
/// is checked twice (append and read), and slicing-by-8 alone was a sixth of the DataForwarder's
/// CPU. The fold leaves a 128-bit remainder with the same CRC, which the table finishes. Without
/// the instruction, slicing-by-8 does everything.
public enum CRC32 {
    /// The CRC of `bytes`, continuing from `crc` (0 to start).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var value = ~crc
        guard var pointer = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return crc }
        var count = bytes.count
        if count >= 64, let constants = foldConstants {
            let blocks = count / 16
            var remainder: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &remainder) { out in
                constants.withUnsafeBufferPointer { constants in
                    mice_crc32_fold(
                        value, pointer, blocks, constants.baseAddress!,
                        out.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
            pointer += blocks * 16
            count -= blocks * 16
            value = withUnsafeBytes(of: &remainder) { remainder in
                checksum(register: 0, remainder.baseAddress!.assumingMemoryBound(to: UInt8.self), 16)
            }
        }
        return ~checksum(register: value, pointer, count)
    }

    /// Slicing-by-8 over `count` bytes at `pointer`, from the register `value` (the complemented CRC).
    private static func checksum(register value: UInt32, _ pointer: UnsafePointer<UInt8>, _ count: Int) -> UInt32 {
        var value = value
        var pointer = pointer
        var count = count
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
        return value
    }

    /// The fold constants x^575, x^511, x^191, x^127 mod P (fold by 64 and by 16 bytes), each in
    /// a 64-bit lane as the fold reads it (coefficient of x^m at bit 63 - m); nil without PCLMULQDQ.
    private static let foldConstants: [UInt64]? = {
        guard mice_crc32_fold_available() != 0 else { return nil }
        return [575, 511, 191, 127].map { exponent in
            var remainder: UInt64 = 1
            for _ in 0..<exponent {
                remainder <<= 1
                if remainder & (1 << 32) != 0 { remainder ^= 0x1_04C1_1DB7 }
            }
            var lane: UInt64 = 0
            for bit in 0..<32 where remainder & (1 << UInt64(bit)) != 0 { lane |= 1 << UInt64(63 - bit) }
            return lane
        }
    }()

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
