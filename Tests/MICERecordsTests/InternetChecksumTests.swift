// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords
import MICETestSupport
import Testing

/// A straightforward transcription of spec section 4, to check the fast implementation against.
private func referenceChecksum(_ bytes: [UInt8]) -> UInt16 {
    var sum: UInt32 = 0
    var index = 0
    while index + 1 < bytes.count {
        sum += UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8
        index += 2
    }
    if index < bytes.count { sum += UInt32(bytes[index]) }
    sum = (sum >> 16) + (sum & 0xFFFF)
    sum += sum >> 16
    return ~UInt16(truncatingIfNeeded: sum)
}

/// The byte-order-independent form of spec section 4: big-endian words, stored big-endian.
private func bigEndianStoredBytes(_ bytes: [UInt8]) -> [UInt8] {
    var sum: UInt32 = 0
    var index = 0
    while index < bytes.count {
        let low = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
        sum += UInt32(bytes[index]) << 8 | low
        index += 2
    }
    while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
    let result = ~UInt16(truncatingIfNeeded: sum)
    return [UInt8(result >> 8), UInt8(result & 0xFF)]
}

@Suite struct InternetChecksumTests {
    @Test func specVectors() {
        #expect(InternetChecksum.compute(Array("M-ICE".utf8)) == 0x8f24)
        #expect(InternetChecksum.compute(Array("M-ICE!".utf8)) == 0x6e24)
        var stored = [UInt8](repeating: 0, count: 2)
        stored.withUnsafeMutableBytes { InternetChecksum.store(0x8f24, into: $0, at: 0) }
        #expect(stored == [0x24, 0x8f])
    }

    @Test func emptyAndTinyBuffers() {
        #expect(InternetChecksum.compute([UInt8]()) == 0xFFFF)
        #expect(InternetChecksum.compute([0x01]) == ~UInt16(0x0001))
        #expect(InternetChecksum.compute([0xFF, 0xFF]) == 0x0000)
    }

    @Test(arguments: Array(0...41) + [63, 64, 65, 1688, 6608, 10243, 20572, 41064])
    func matchesReferenceAndByteOrderIndependentForm(length: Int) {
        var random = SplitMix64(seed: UInt64(length) + 1)
        for _ in 0..<4 {
            let bytes = random.bytes(length)
            let fast = InternetChecksum.compute(bytes)
            #expect(fast == referenceChecksum(bytes))
            #expect([UInt8(fast & 0xFF), UInt8(fast >> 8)] == bigEndianStoredBytes(bytes))
        }
    }

    @Test func allOnesDoNotOverflow() {
        let bytes = [UInt8](repeating: 0xFF, count: 1 << 20)
        #expect(InternetChecksum.compute(bytes) == referenceChecksum(Array(bytes.prefix(65536))))
    }

    @Test func treatingRangesAsZeroEqualsZeroingThem() {
        var random = SplitMix64(seed: 99)
        for length in [10, 11, 10243, 6608] {
            var bytes = random.bytes(length)
            let ranges = [1..<3, (length - 3)..<length, 4..<8]
            let fast = bytes.withUnsafeBytes {
                InternetChecksum.compute($0, treatingAsZero: ranges[0], ranges[1], ranges[2])
            }
            for range in ranges { for index in range { bytes[index] = 0 } }
            #expect(fast == InternetChecksum.compute(bytes))
        }
    }

    @Test func slicesAndNonContiguousCollections() {
        let bytes = Array("xxM-ICEyy".utf8)
        #expect(InternetChecksum.compute(bytes[2..<7]) == 0x8f24)
        #expect(InternetChecksum.compute(Array("M-ICE".utf8).lazy.map { $0 }) == 0x8f24)
    }
}
