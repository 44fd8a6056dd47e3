// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETransport
import Testing

@Suite("DiskSpool: append, read, acknowledge, recover")
struct DiskSpoolTests {
    @Test("CRC-32 check value")
    func crcCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        // Slicing path and byte path agree, also when continued.
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let whole = CRC32.checksum(bytes)
        let split = CRC32.checksum(bytes[500...], continuing: CRC32.checksum(bytes[..<500]))
        #expect(whole == split)
    }

    @Test("CRC-32: the folded path (64 bytes and more) agrees with the table, byte by byte")
    func crcFoldMatchesTable() {
        var state: UInt64 = 0x4352_4333_3221
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 17
        }
        for length in [64, 65, 79, 80, 127, 128, 129, 200, 1712, 1713, 6632, 6639]
            + (0..<40).map({ _ in
                Int(next() % 9000)
            })
        {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: next()) }
            let start = UInt32(truncatingIfNeeded: next())
            // Pieces of fewer than 64 bytes never take the fold.
            var pieces = start
            var offset = 0
            while offset < length {
                let end = min(length, offset + 1 + Int(next() % 63))
                pieces = CRC32.checksum(bytes[offset..<end], continuing: pieces)
                offset = end
            }
            #expect(CRC32.checksum(bytes, continuing: start) == pieces, "length \(length)")
        }
    }

    @Test("records come back in order with consecutive sequence numbers; acknowledged ones never again")
    func appendReadAcknowledge() throws {
        let directory = try TemporaryDirectory("spool")
        defer { directory.remove() }
        let spool = try DiskSpool(
            configuration: .init(directory: directory.path, segmentBytes: 64 << 10), logger: quietLogger)
        let result = try spool.append((1...100).map { makeRecord(id: $0, size: 1712) })
        #expect(result.accepted == 100)
        #expect(result.lastSequence == 100)
        var all: [DiskSpool.Record] = []
        var cursor: UInt64 = 0
        while true {
            let batch = try spool.read(after: cursor, maxRecords: 30)
            guard let last = batch.last else { break }
            all += batch
            cursor = last.sequence
        }
        #expect(all.map(\.sequence) == Array(1...100))
        #expect(all.map { recordID($0.bytes) } == (1...100).map { Optional($0) })
        // Several segments (64 KiB each); acknowledging deletes the wholly acknowledged ones.
        let before = try segmentFiles(directory.path)
        #expect(before.count > 2)
        try spool.acknowledge(through: 60)
        let after = try segmentFiles(directory.path)
        #expect(after.count < before.count)
        #expect(try spool.read(after: 0, maxRecords: 1).first?.sequence == 61)
        try spool.acknowledge(through: 100)
        #expect(try segmentFiles(directory.path).isEmpty)
        #expect(spool.statistics.pendingRecords == 0)
        #expect(spool.statistics.byteCount == 0)
        // Numbering goes on after everything was deleted, also across a reopen.
        #expect(try spool.append([makeRecord(id: 101, size: 1712)]).lastSequence == 101)
        let identity = spool.senderID
        spool.close()
        let reopened = try DiskSpool(configuration: .init(directory: directory.path), logger: quietLogger)
        #expect(reopened.senderID == identity)
        #expect(reopened.acknowledgedSequence == 100)
        #expect(try reopened.read(after: 0, maxRecords: 10).map(\.sequence) == [101])
        #expect(try reopened.append([makeRecord(id: 102, size: 1712)]).lastSequence == 102)
        reopened.close()
    }

    @Test("a second process (or instance) cannot open a spool in use")
    func exclusiveLock() throws {
        let directory = try TemporaryDirectory("spool")
        defer { directory.remove() }
        let spool = try DiskSpool(configuration: .init(directory: directory.path), logger: quietLogger)
        #expect(throws: LinkError.self) {
            try DiskSpool(configuration: .init(directory: directory.path), logger: quietLogger)
        }
        spool.close()
        let again = try DiskSpool(configuration: .init(directory: directory.path), logger: quietLogger)
        again.close()
    }

    @Test("a torn tail (half-written entry) is truncated and counted; whole records survive")
    func tornTail() throws {
        let directory = try TemporaryDirectory("spool")
        defer { directory.remove() }
        let spool = try DiskSpool(configuration: .init(directory: directory.path), logger: quietLogger)
        try spool.append((1...50).map { makeRecord(id: $0, size: 1712) })
        spool.close()
        let segment = try #require(try segmentFiles(directory.path).first)
        let path = directory.path + "/" + segment
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        // The first 700 bytes of a 51st entry: what a crash in the middle of a write leaves.
        var torn = [UInt8](repeating: 0, count: 16)
        torn[3] = 0xB0  // length 1712
        torn[4 + 7] = 51
        try handle.write(contentsOf: torn + [UInt8](repeating: 0x41, count: 684))
        try handle.close()
        let sizeBefore = try fileSize(path)

        let reopened = try DiskSpool(configuration: .init(directory: directory.path), logger: quietLogger)
        let statistics = reopened.statistics
        #expect(statistics.truncatedTails == 1)
        #expect(statistics.truncatedBytes == 700)
        #expect(statistics.lastSequence == 50)
        #expect(try fileSize(path) == sizeBefore - 700)
        let records = try reopened.read(after: 0, maxRecords: 100)
        #expect(records.map(\.sequence) == Array(1...50))
        // New records continue the numbering right after the last whole one.
        #expect(try reopened.append([makeRecord(id: 51, size: 1712)]).lastSequence == 51)
        reopened.close()
    }

    @Test("a last entry that fails its CRC (bit flip, torn page) is cut off at open")
    func corruptedLastEntry() throws {
        let directory = try TemporaryDirectory("spool")
        defer { directory.remove() }
        let spool = try DiskSpool(configuration: .init(directory: directory.path), logger: quietLogger)
        try spool.append((1...20).map { makeRecord(id: $0, size: 1712) })
        spool.close()
        let path = directory.path + "/" + (try #require(try segmentFiles(directory.path).first))
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[bytes.count - 100] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))

        let reopened = try DiskSpool(configuration: .init(directory: directory.path), logger: quietLogger)
        #expect(reopened.statistics.truncatedTails == 1)
        #expect(reopened.statistics.truncatedBytes == 16 + 1712)
        #expect(try reopened.read(after: 0, maxRecords: 100).map(\.sequence) == Array(1...19))
        reopened.close()
    }

    @Test("an entry damaged while the spool is open is skipped on read, counted, and the rest still comes")
    func damageAfterOpen() throws {
        let directory = try TemporaryDirectory("spool")
        defer { directory.remove() }
        let spool = try DiskSpool(configuration: .init(directory: directory.path), logger: quietLogger)
        try spool.append((1...10).map { makeRecord(id: $0, size: 100) })
        let path = directory.path + "/" + (try #require(try segmentFiles(directory.path).first))
        // Entry 5 starts at 16 + 4 × 116; flip a payload byte.
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64(16 + 4 * 116 + 16 + 50))
        try handle.write(contentsOf: [0xFF])
        try handle.close()
        let records = try spool.read(after: 0, maxRecords: 100)
        #expect(records.map(\.sequence) == [1, 2, 3, 4, 6, 7, 8, 9, 10])
        #expect(spool.statistics.corruptRecordsSkipped == 1)
        // A read that starts at the damaged entry moves on past it.
        #expect(try spool.read(after: 4, maxRecords: 1).map(\.sequence) == [6])
        spool.close()
    }

    @Test("full spool: append takes what fits, nothing more; acknowledgements free space")
    func sizeLimit() throws {
        let directory = try TemporaryDirectory("spool")
        defer { directory.remove() }
        let spool = try DiskSpool(
            configuration: .init(directory: directory.path, maxBytes: 64 << 10, segmentBytes: 16 << 10),
            logger: quietLogger)
        let result = try spool.append((1...100).map { makeRecord(id: $0, size: 1712) })
        #expect(result.accepted > 20)
        #expect(result.accepted < 100)
        #expect(spool.statistics.byteCount <= 64 << 10)
        #expect(try spool.append([makeRecord(id: 999, size: 1712)]).accepted == 0)
        #expect(!spool.hasSpace(forRecordOf: 1712))
        try spool.acknowledge(through: UInt64(result.accepted))
        #expect(spool.hasSpace(forRecordOf: 1712))
        #expect(try spool.append([makeRecord(id: 999, size: 1712)]).accepted == 1)
        #expect(throws: LinkError.self) { try spool.append([[UInt8](repeating: 0, count: 70 << 10)]) }
        spool.close()
    }

    @Test("an acknowledgement beyond the last record is clamped")
    func clampedAcknowledgement() throws {
        let directory = try TemporaryDirectory("spool")
        defer { directory.remove() }
        let spool = try DiskSpool(configuration: .init(directory: directory.path), logger: quietLogger)
        try spool.append((1...5).map { makeRecord(id: $0, size: 64) })
        #expect(try spool.acknowledge(through: 1000) == 5)
        #expect(try spool.append([makeRecord(id: 6, size: 64)]).lastSequence == 6)
        spool.close()
    }

    @Test("a checkpoint is stored with its batch, survives reopening, and outlives the segments acknowledged")
    func checkpoints() throws {
        let directory = try TemporaryDirectory("spool")
        defer { directory.remove() }
        let configuration = DiskSpool.Configuration(directory: directory.path, segmentBytes: 16 << 10)
        var spool = try DiskSpool(configuration: configuration, logger: quietLogger)
        #expect(spool.checkpoint == nil)
        for batch in 0..<20 {
            let records = (1...3).map { makeRecord(id: UInt64(batch * 3 + $0), size: 1712) }
            let result = try spool.append(records, checkpoint: Array("after \(batch + 10)".utf8))
            #expect(result.accepted == 3)
        }
        #expect(spool.checkpoint == Array("after 29".utf8))
        // Checkpoint entries are invisible to readers: 60 records, in order.
        var sequences: [UInt64] = []
        for _ in 0..<100 {
            let batch = try spool.read(after: sequences.last ?? 0, maxRecords: 100)
            if batch.isEmpty { break }
            sequences += batch.map(\.sequence)
        }
        #expect(sequences == Array(1...60))
        spool.close()
        spool = try DiskSpool(configuration: configuration, logger: quietLogger)
        #expect(spool.checkpoint == Array("after 29".utf8))
        #expect(spool.statistics.truncatedTails == 0)
        // A batch never straddles two segments: every segment ends with a checkpoint entry.
        for name in try segmentFiles(directory.path) {
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: directory.path + "/" + name)))
            let count = bytes.count
            #expect(count > 16 + 8 + 16)
            let tailSequence = bytes[(count - 8 - 16 + 4)..<(count - 8 - 16 + 12)]
            #expect(tailSequence.allSatisfy { $0 == 0 }, "segment \(name) does not end with a checkpoint")
        }
        // Everything acknowledged: the segments go, the checkpoint stays (in the checkpoint file).
        try spool.acknowledge(through: 60)
        #expect(try segmentFiles(directory.path).isEmpty)
        // A checkpoint alone (every line of a batch filtered out) is kept too.
        try spool.append([[UInt8]](), checkpoint: Array("nothing sent".utf8))
        spool.close()
        spool = try DiskSpool(configuration: configuration, logger: quietLogger)
        #expect(spool.checkpoint == Array("nothing sent".utf8))
        #expect(spool.lastSequence == 60)
        spool.close()
    }

    @Test("a batch torn by a crash loses its checkpoint with it: records and checkpoint agree")
    func tornBatchKeepsOldCheckpoint() throws {
        let directory = try TemporaryDirectory("spool")
        defer { directory.remove() }
        let configuration = DiskSpool.Configuration(directory: directory.path)
        let spool = try DiskSpool(configuration: configuration, logger: quietLogger)
        try spool.append((1...5).map { makeRecord(id: $0, size: 1712) }, checkpoint: Array("five".utf8))
        try spool.append((6...10).map { makeRecord(id: $0, size: 1712) }, checkpoint: Array("ten".utf8))
        spool.close()
        let path = directory.path + "/" + (try #require(try segmentFiles(directory.path).first))
        // Cut the second batch in the middle of its third record (power loss): checkpoint "ten" is
        // gone, and so are records 6 and 7 that made it whole, or they would be sent twice.
        let entry = 16 + 1712
        let firstBatchEnd = 16 + 5 * entry + 16 + 4
        #expect(truncate(path, off_t(firstBatchEnd + 2 * entry + 100)) == 0)
        let reopened = try DiskSpool(configuration: configuration, logger: quietLogger)
        #expect(reopened.checkpoint == Array("five".utf8))
        #expect(reopened.lastSequence == 5)
        #expect(try reopened.read(after: 0, maxRecords: 100).map(\.sequence) == Array(1...5))
        #expect(reopened.statistics.truncatedTails == 1)
        reopened.close()
    }
}

private func segmentFiles(_ directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".spool") }.sorted()
}

private func fileSize(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
}
