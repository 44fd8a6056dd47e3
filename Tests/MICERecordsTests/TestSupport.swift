// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICERecords

/// SHA-256 of `bytes` as lower-case hex, computed by coreutils' sha256sum.
func sha256Hex(_ bytes: [UInt8]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    // The digest is short, so writing everything before reading cannot dead-lock.
    try input.fileHandleForWriting.write(contentsOf: Data(bytes))
    try input.fileHandleForWriting.close()
    let data = try output.fileHandleForReading.readToEnd() ?? Data()
    process.waitUntilExit()
    return String(decoding: data.prefix(64), as: UTF8.self)
}

/// Bytes of a hex string (test vectors); whitespace is ignored.
func hexBytes(_ text: String) -> [UInt8] {
    RecordJSON.bytes(fromHex: text.filter { !$0.isWhitespace })!
}

/// The LogFormat example of spec section 12.
func exampleLogFormat(fileType: UInt32) -> LogFormat {
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

/// A deterministic pseudo-random generator (SplitMix64) so hostile-input tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// Reads a little-endian UInt16/UInt32 and a big-endian UInt32 from a record, for offset checks.
extension Array where Element == UInt8 {
    func le16(_ offset: Int) -> UInt16 { UInt16(self[offset]) | UInt16(self[offset + 1]) << 8 }
    func le32(_ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(self[offset + $1]) << (8 * UInt32($1)) }
    }
    func be32(_ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(self[offset + $1]) }
    }
    func text(_ offset: Int, _ count: Int) -> String {
        String(decoding: self[offset..<(offset + count)], as: UTF8.self)
    }
}
