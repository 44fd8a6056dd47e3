// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords
import MICETestSupport
import Testing

@Suite struct LogFormatTests {
    @Test func goldenChecksums() {
        let zero = specExampleLogFormat(fileType: 0).encode(layout: .v02)
        #expect(zero.le16(6604) == 0x1e4c)
        #expect(zero[6604] == 0x4c && zero[6605] == 0x1e)
        let one = specExampleLogFormat(fileType: 1).encode(layout: .v02)
        #expect(one.le16(6604) == 0x1e4b)
        #expect(specExampleLogFormat(fileType: 1).computedChecksum(layout: .v02) == 0x1e4b)
    }

    @Test func goldenRecordDigest() throws {
        let record = specExampleLogFormat(fileType: 1).encode(layout: .v02)
        #expect(try sha256Hex(record) == "11feb4302cd435e2f22b3af6272b71822d8acf948a66907b373141627149f2f6")
    }

    @Test func dataForwarderQuirkIsAccepted() throws {
        // What the original DataForwarder sends: uiFileType = 1 with the checksum over uiFileType = 0.
        var quirky = specExampleLogFormat(fileType: 1)
        quirky.checksum = 0x1e4c
        let bytes = quirky.encode(layout: .v02, computeChecksum: false)
        #expect(try LogFormat.verifyChecksum(of: bytes, layout: .v02) == .validWithFileTypeZero)
        #expect(quirky.verifyChecksum(layout: .v02) == .validWithFileTypeZero)
        #expect(quirky.verifyChecksum(layout: .v02).isAccepted)

        let proper = specExampleLogFormat(fileType: 1).encode(layout: .v02)
        #expect(try LogFormat.verifyChecksum(of: proper, layout: .v02) == .valid)

        var wrong = quirky
        wrong.checksum = 0x1234
        #expect(wrong.verifyChecksum(layout: .v02) == .invalid(stored: 0x1234, computed: 0x1e4b))
        #expect(!wrong.verifyChecksum(layout: .v02).isAccepted)
    }

    @Test(arguments: LogFormatLayout.allCases)
    func roundTrip(layout: LogFormatLayout) throws {
        var record = specExampleLogFormat(fileType: layout == .v02 ? LogFormat.FTF_SCSLOG : 0)
        if layout == .v02 {
            record[text: \.timezone] = "CET CEST"
            record.daylight = -1
            record.pseudonymized = 1
            record.logType = .scsLog(SCSLogFormat(syscall: Array("open".utf8), pid: -5, uid: 1000, euid: 0))
        }
        let bytes = record.encode(layout: layout)
        let decoded = try LogFormat(decoding: bytes, layout: layout)
        record.checksum = bytes.le16(layout.checksumOffset)
        #expect(decoded == record)
        #expect(decoded.encode(layout: layout, computeChecksum: false) == bytes)
        #expect(decoded.verifyChecksum(layout: layout) == .valid)
    }

    @Test func seedLayoutIgnoresExtendedFields() throws {
        var record = specExampleLogFormat(fileType: 4)
        record[text: \.timezone] = "UTC"
        record.logType = .raw([1, 2, 3])
        let decoded = try LogFormat(decoding: record.encode(layout: .seed), layout: .seed)
        #expect(decoded.fileType == 0 && decoded.timezone.isEmpty && decoded.logType == .none)
        #expect(decoded[text: \.logData] == record[text: \.logData])
    }

    @Test func firewallAndRawUnionRoundTrip() throws {
        var record = LogFormat(fileType: LogFormat.FTF_FIREWALL)
        record.logType = .firewall(
            FirewallLogFormat(action: Array("DROP".utf8), source: Array("10.0.0.1".utf8), ttl: 64, sourcePort: 22))
        let firewall = try LogFormat(decoding: record.encode(layout: .v02), layout: .v02)
        #expect(firewall.logType == record.logType)

        record.fileType = LogFormat.FTF_FILE
        record.logType = .raw([0, 0, 7, 0, 9])
        let raw = try LogFormat(decoding: record.encode(layout: .v02), layout: .v02)
        #expect(raw.logType == .raw([0, 0, 7, 0, 9]))

        record.logType = .none
        #expect(try LogFormat(decoding: record.encode(layout: .v02), layout: .v02).logType == .none)
    }

    @Test func encodingTruncatesSoANulAlwaysFollows() throws {
        let long = [UInt8](repeating: 0x61, count: 5000)
        let record = LogFormat(host: long, ipAddress: long, logData: long)
        for layout in LogFormatLayout.allCases {
            let bytes = record.encode(layout: layout)
            let decoded = try LogFormat(decoding: bytes, layout: layout)
            #expect(decoded.logData.count == layout.logDataCapacity - 1)
            #expect(bytes[layout.logDataOffset + layout.logDataCapacity - 1] == 0)
            #expect(decoded.host.count == 255 && decoded.ipAddress.count == 29)
            #expect(bytes[255] == 0 && bytes[512 + 29] == 0)
        }
    }

    @Test func decodingDoesNotTrustNulTermination() throws {
        // Every byte non-zero: each field is read to its end and never beyond.
        var bytes = [UInt8](repeating: 0x7A, count: 6608)
        let decoded = try LogFormat(decoding: bytes, layout: .v02)
        #expect(decoded.host.count == 256 && decoded.ipAddress.count == 30 && decoded.timezone.count == 30)
        #expect(decoded.logData.count == 4096)
        #expect(decoded.logType == .raw([UInt8](repeating: 0x7A, count: 1804)))
        // Garbage after a NUL is not part of the value.
        bytes[3] = 0
        #expect(try LogFormat(decoding: bytes, layout: .v02).host == [0x7A, 0x7A, 0x7A])
    }

    @Test func binaryLogDataSurvives() throws {
        let binary: [UInt8] = [0xFF, 0xFE, 0x01, 0x80, 0xC3]
        let record = LogFormat(logData: binary)
        #expect(try LogFormat(decoding: record.encode(), layout: .seed).logData == binary)
    }

    @Test func wrongSizesAreErrors() {
        #expect(throws: RecordError.self) { try LogFormat(decoding: [UInt8](repeating: 0, count: 1687), layout: .seed) }
        #expect(throws: RecordError.self) { try LogFormat(decoding: [UInt8](repeating: 0, count: 1689), layout: .seed) }
        #expect(throws: RecordError.self) { try LogFormat(decoding: [UInt8](), layout: .v02) }
        do {
            _ = try LogFormat(decoding: [UInt8](repeating: 0, count: 100), layout: .v02)
            Issue.record("no error")
        } catch {
            #expect(error.code == .truncatedRecord)
            #expect(error.recordType == "LogFormat")
            #expect(error.offset == 100)
            #expect(error.description.contains("6608"))
        }
    }

    @Test func encodeIntoCallerBuffer() throws {
        let record = specExampleLogFormat(fileType: 1)
        var buffer = [UInt8](repeating: 0xEE, count: 6608)
        try buffer.withUnsafeMutableBytes { try record.encode(into: $0, layout: .v02) }
        #expect(buffer == record.encode(layout: .v02))
        var small = [UInt8](repeating: 0, count: 10)
        #expect(throws: RecordError.self) {
            try small.withUnsafeMutableBytes { try record.encode(into: $0, layout: .v02) }
        }
    }

    // MARK: Fast path

    @Test(arguments: LogFormatLayout.allCases)
    func rawBufferFastPath(layout: LogFormatLayout) throws {
        var bytes = specExampleLogFormat(fileType: 0).encode(layout: layout)
        let line = try bytes.withUnsafeBytes { Array(try LogFormat.logData(in: $0, layout: layout)) }
        #expect(String(decoding: line, as: UTF8.self) == "Sep  5 18:55:00 host sshd[1]: Failed password for root")

        let replacement = Array("Sep  5 18:55:00 host sshd[1]: Failed password for XXXX".utf8)
        let stored = try bytes.withUnsafeMutableBytes { record in
            try replacement.withUnsafeBytes { try LogFormat.setLogData($0, in: record, layout: layout) }
        }
        #expect(stored == replacement.count)
        #expect(try bytes.withUnsafeBytes { try LogFormat.verifyChecksum(in: $0, layout: layout) }.isAccepted == false)
        let checksum = try bytes.withUnsafeMutableBytes { try LogFormat.updateChecksum(in: $0, layout: layout) }
        #expect(try bytes.withUnsafeBytes { try LogFormat.verifyChecksum(in: $0, layout: layout) } == .valid)
        #expect(try bytes.withUnsafeBytes { try LogFormat.storedChecksum(in: $0, layout: layout) } == checksum)

        var expected = specExampleLogFormat(fileType: 0)
        expected.logData = replacement
        #expect(bytes == expected.encode(layout: layout))
    }

    @Test func fastPathTruncatesAndShortens() throws {
        var bytes = LogFormat(logData: [UInt8](repeating: 0x62, count: 900)).encode(layout: .seed)
        let long = [UInt8](repeating: 0x63, count: 3000)
        let stored = try bytes.withUnsafeMutableBytes { record in
            try long.withUnsafeBytes { try LogFormat.setLogData($0, in: record, layout: .seed) }
        }
        #expect(stored == 1023)
        #expect(bytes[662 + 1023] == 0)
        let short = Array("x".utf8)
        try bytes.withUnsafeMutableBytes { record in
            _ = try short.withUnsafeBytes { try LogFormat.setLogData($0, in: record, layout: .seed) }
        }
        #expect(bytes[662] == 0x78 && bytes[663..<1686].allSatisfy { $0 == 0 })
        // In-place shortening: a view into the record's own field is a valid source.
        var record = LogFormat(logData: Array("abcdef".utf8)).encode(layout: .seed)
        try record.withUnsafeMutableBytes { buffer in
            let view = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[664..<668])
            try LogFormat.setLogData(view, in: buffer, layout: .seed)
        }
        #expect(try LogFormat(decoding: record, layout: .seed)[text: \.logData] == "cdef")
    }

    @Test func fastPathRejectsWrongSizes() {
        let bytes = [UInt8](repeating: 0, count: 100)
        #expect(throws: RecordError.self) { try bytes.withUnsafeBytes { try LogFormat.logData(in: $0, layout: .seed) } }
        #expect(throws: RecordError.self) {
            try bytes.withUnsafeBytes { try LogFormat.verifyChecksum(in: $0, layout: .v02) }
        }
    }
}
