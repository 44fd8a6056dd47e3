// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords

/// Bytes of a hex string (test vectors); whitespace is ignored.
public func hexBytes(_ text: String) -> [UInt8] {
    RecordJSON.bytes(fromHex: text.filter { !$0.isWhitespace })!
}

/// The LogFormat example of spec section 12 (mice-original.md).
public func specExampleLogFormat(fileType: UInt32) -> LogFormat {
    var record = LogFormat()
    record[text: \.host] = "host"
    record[text: \.domain] = "example.org"
    record[text: \.ipAddress] = "192.0.2.1"
    record[text: \.operatingSystem] = "Linux"
    record[text: \.release] = "2.4.21"
    record[text: \.version] = "#1"
    record[text: \.date] = "2004/09/05"
    record[text: \.time] = "18:55:00"
    record[text: \.logData] = "Sep  5 18:55:00 host sshd[1]: Failed password for root"
    record.fileType = fileType
    return record
}

/// A deterministic pseudo-random generator (SplitMix64), so randomized tests reproduce.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// `count` random bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
