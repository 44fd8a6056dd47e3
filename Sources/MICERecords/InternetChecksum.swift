// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The Internet checksum (`in_chksum`, RFC 1071) exactly as the original M-ICE computes it.
///
/// The buffer is summed as 16-bit words in little-endian memory order (the x86 host order of the
/// original), an odd trailing byte counts as a word whose second byte is zero, the sum is folded
/// to 16 bits and complemented. Records store the result little-endian at their checksum field,
/// which is zero while the sum is computed.
///
/// The implementation adds eight bytes per step, so it is cheap enough to run on every record,
/// and it gives the same bytes on hosts of either byte order.
public enum InternetChecksum {
    /// The checksum of a buffer.
    /// - Parameter bytes: The bytes to cover.
    /// - Returns: The checksum as a number; store it with ``store(_:into:at:)``.
    public static func compute(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        finish(sum(bytes))
    }

    /// The checksum of a byte collection (an array, a slice, `Data`).
    /// - Parameter bytes: The bytes to cover.
    /// - Returns: The checksum as a number.
    public static func compute(_ bytes: some Collection<UInt8>) -> UInt16 {
        if let result = bytes.withContiguousStorageIfAvailable({ compute(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { compute($0) }
    }

    /// The checksum of a buffer in which the bytes of `zeroed` count as zero, without copying it.
    ///
    /// This is how a record is verified: its checksum field (and, for the DataForwarder quirk,
    /// its `uiFileType` field) is treated as zero while the rest is summed as stored.
    /// - Parameters:
    ///   - bytes: The bytes to cover.
    ///   - zeroed: Ranges of byte offsets that count as zero (they may overlap; parts outside
    ///     `bytes` are ignored).
    /// - Returns: The checksum as a number.
    public static func compute(_ bytes: UnsafeRawBufferPointer, treatingAsZero zeroed: Range<Int>...) -> UInt16 {
        var total = sum(bytes)
        // Overlapping ranges are merged so that no byte is taken out twice.
        var covered = 0
        for range in zeroed.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            let start = max(range.lowerBound, covered)
            guard start < range.upperBound else { continue }
            total -= contribution(of: bytes, in: start..<range.upperBound)
            covered = max(covered, range.upperBound)
        }
        return finish(total)
    }

    /// Reads a stored checksum (little-endian) from a record.
    /// - Parameters:
    ///   - bytes: The record.
    ///   - offset: Offset of the checksum field; the field must lie inside `bytes`.
    /// - Returns: The stored value.
    public static func load(from bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt16 {
        precondition(offset >= 0 && offset + 2 <= bytes.count, "checksum field outside the buffer")
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    /// Stores a checksum little-endian into a record, as the original's host order on x86 does.
    /// - Parameters:
    ///   - checksum: The value to store.
    ///   - bytes: The record.
    ///   - offset: Offset of the checksum field; the field must lie inside `bytes`.
    public static func store(_ checksum: UInt16, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset + 2 <= bytes.count, "checksum field outside the buffer")
        bytes[offset] = UInt8(truncatingIfNeeded: checksum)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: checksum >> 8)
    }

    // MARK: - Internals

    /// The unfolded one's-complement sum of the little-endian 16-bit words of `bytes`.
    static func sum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = bytes.baseAddress else { return 0 }
        let count = bytes.count
        var total: UInt64 = 0
        var index = 0
        // Two accumulators of two 32-bit lanes each; every step adds at most 0xFFFF per lane, so
        // 65536 steps cannot overflow a lane. Flushing per block keeps the total exact.
        while count - index >= 8 {
            let steps = min((count - index) / 8, 65536)
            let end = index + steps * 8
            var lanesA: UInt64 = 0
            var lanesB: UInt64 = 0
            while index < end {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                lanesA &+= word & 0x0000_FFFF_0000_FFFF
                lanesB &+= (word >> 16) & 0x0000_FFFF_0000_FFFF
                index += 8
            }
            total += (lanesA & 0xFFFF_FFFF) + (lanesA >> 32) + (lanesB & 0xFFFF_FFFF) + (lanesB >> 32)
        }
        while count - index >= 2 {
            total += UInt64(bytes[index]) | UInt64(bytes[index + 1]) << 8
            index += 2
        }
        if index < count {
            total += UInt64(bytes[index])
        }
        return total
    }

    /// What the bytes in `range` add to ``sum(_:)``: a byte at an even offset is a low byte, one
    /// at an odd offset a high byte.
    static func contribution(of bytes: UnsafeRawBufferPointer, in range: Range<Int>) -> UInt64 {
        let clamped = range.clamped(to: 0..<bytes.count)
        var total: UInt64 = 0
        for index in clamped {
            total += UInt64(bytes[index]) << (UInt64(index & 1) * 8)
        }
        return total
    }

    /// Folds a sum to 16 bits and complements it.
    static func finish(_ sum: UInt64) -> UInt16 {
        var folded = sum
        while folded >> 16 != 0 {
            folded = (folded & 0xFFFF) + (folded >> 16)
        }
        return ~UInt16(truncatingIfNeeded: folded)
    }
}
