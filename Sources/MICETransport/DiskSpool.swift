// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import MICEWire
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A write-ahead spool of records on disk: what a link sender has not yet got acknowledged.
///
/// Every record a ``LinkClient`` accepts goes into the spool first, with the next sequence number,
/// and leaves it only once the receiver acknowledged it (acked mode) or it was written to the
/// socket (legacy mode). So a receiver that is down, or a sender that crashes, loses nothing:
/// after a restart the spool still holds every unacknowledged record, and they are resent.
///
/// Layout of the directory (created with mode 0700):
/// - `lock`: held with `flock` while a spool is open, so two processes never share a spool.
/// - `sender-id`: a random identity made when the spool is created; the receiver deduplicates per
///   sender identity, and a new spool (new identity) can never be mistaken for an old one.
/// - `acked`: the acknowledgement pointer, the highest sequence number acknowledged (16 bytes:
///   `ACK1`, the number as UInt64 big-endian, CRC-32 of the first 12 bytes, written in place).
/// - `segment-<first sequence, 20 digits>.spool`: append-only segment files. A 16-byte file header
///   (`MICESPL1`, version 1 as UInt32 big-endian, 4 reserved zero bytes), then entries of a 16-byte
///   entry header (payload length UInt32, sequence number UInt64, CRC-32 UInt32, all big-endian; the
///   CRC covers the first 12 header bytes and the payload) followed by the record's bytes.
///
/// - `checkpoint`: the latest checkpoint, when the segment that held it was deleted (`CKP1`, payload
///   length UInt32, CRC-32 of the payload UInt32, all big-endian, then the payload; replaced with
///   write-to-temporary and rename).
///
/// **Checkpoints.** An append may carry a checkpoint: an opaque blob of the caller (the DataForwarder
/// stores its file positions) that must be true exactly when the records are stored. It is written as
/// an entry with sequence number 0 right after the records, in the same `write`, and a batch with a
/// checkpoint never straddles two segments when it fits in one, so after a crash the latest checkpoint
/// found and the records found always agree. ``checkpoint`` is the latest one.
///
/// A segment is deleted once every record in it is acknowledged. When the spool is opened, every
/// segment is checked entry by entry; the first entry that is incomplete, fails its CRC or breaks
/// the sequence is where a crash tore the file: the segment is truncated there, and the loss is
/// counted (``Statistics/truncatedTails``, ``Statistics/truncatedBytes``) and logged.
///
/// All methods are synchronous and thread-safe; they do file I/O, so async callers run them off the
/// cooperative pool (``LinkClient`` uses a `NIOThreadPool`).
public final class DiskSpool: Sendable {
    /// When record data is forced to disk with `fdatasync`.
    public enum SyncPolicy: Hashable, Sendable {
        /// Never; the kernel writes back on its own. A process crash loses nothing, a power cut may.
        case never
        /// After every ``DiskSpool/append(_:)`` call: one sync per batch of records. Batch the records
        /// (``LinkClient/send(contentsOf:)``): a sync per single record limits a sender to a few
        /// thousand records a second.
        case perBatch
        /// After at least this many records since the last sync.
        case everyRecords(Int)
    }

    /// What happens to a record when the spool has reached its size limit.
    public enum FullPolicy: Hashable, Sendable {
        /// The producer waits until acknowledgements free space (back pressure to the log source).
        case block
        /// The record is dropped and counted in ``LinkClient/Statistics/recordsDropped``.
        case dropNewest
    }

    /// Where and how a spool keeps its records.
    public struct Configuration: Hashable, Sendable {
        /// The spool directory; created (mode 0700) when missing.
        public var directory: String
        /// Limit on the size of all segment files together.
        public var maxBytes: Int
        /// A segment is closed and a new one started when it would grow beyond this.
        public var segmentBytes: Int
        /// When data is forced to disk.
        public var sync: SyncPolicy
        /// What happens when the spool is full.
        public var whenFull: FullPolicy

        public init(
            directory: String,
            maxBytes: Int = 256 << 20,
            segmentBytes: Int = 8 << 20,
            sync: SyncPolicy = .perBatch,
            whenFull: FullPolicy = .block
        ) {
            self.directory = directory
            self.maxBytes = maxBytes
            self.segmentBytes = segmentBytes
            self.sync = sync
            self.whenFull = whenFull
        }
    }

    /// One record read back from the spool.
    public struct Record: Hashable, Sendable {
        /// Its sequence number (≥ 1, increasing by one per record).
        public var sequence: UInt64
        /// The record's bytes, exactly as appended.
        public var bytes: [UInt8]
    }

    /// The outcome of ``DiskSpool/append(_:)``.
    public struct AppendResult: Hashable, Sendable {
        /// How many records of the batch were stored (a prefix of the batch); fewer when the spool is full.
        public var accepted: Int
        /// The sequence number of the last stored record (0 when none was stored).
        public var lastSequence: UInt64
    }

    /// Counters and sizes of a spool.
    public struct Statistics: Hashable, Sendable {
        /// Records stored and not yet acknowledged.
        public var pendingRecords: UInt64
        /// Size of all segment files.
        public var byteCount: Int
        /// The highest acknowledged sequence number.
        public var acknowledgedSequence: UInt64
        /// The highest sequence number stored so far.
        public var lastSequence: UInt64
        /// Segments found torn when the spool was opened and truncated.
        public var truncatedTails: Int
        /// Bytes cut off by those truncations.
        public var truncatedBytes: Int
        /// Entries that failed their CRC when read back after opening (skipped, never sent).
        public var corruptRecordsSkipped: Int
    }

    /// Size of a segment file's header and of an entry's header.
    public static let fileHeaderSize = 16
    public static let entryHeaderSize = 16
    private static let fileMagic: [UInt8] = Array("MICESPL1".utf8)
    private static let ackMagic: [UInt8] = Array("ACK1".utf8)

    /// The configuration in force (``Configuration/segmentBytes`` adjusted to ``Configuration/maxBytes``).
    public let configuration: Configuration
    /// This spool's sender identity (`sender-id`).
    public let senderID: String
    private let logger: Logger
    private let state: Mutex<State>

    /// Opens (or creates) the spool in `configuration.directory` and checks every segment.
    /// - Throws: ``LinkError`` with ``LinkError/Code/spoolUnavailable`` when the directory cannot
    ///   be created or another process has the spool open, ``LinkError/Code/spoolIO`` on I/O errors.
    public init(configuration: Configuration, logger: Logger = Logger(label: "mice.spool")) throws {
        var configuration = configuration
        configuration.maxBytes = max(configuration.maxBytes, 4096)
        configuration.segmentBytes = max(min(configuration.segmentBytes, configuration.maxBytes / 4), 4096)
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "spool.directory"] = "\(configuration.directory)"
        self.logger = logger
        let directory = configuration.directory
        try SpoolFiles.makeDirectory(directory)
        let lockFD = try SpoolFiles.lock(directory + "/lock")
        do {
            self.senderID = try SpoolFiles.senderID(in: directory)
            var state = State(lockFD: lockFD)
            try state.recover(directory: directory, logger: logger)
            self.state = Mutex(state)
        } catch {
            SpoolFiles.closeDescriptor(lockFD)
            throw error
        }
    }

    deinit {
        state.withLock { $0.closeAll() }
    }

    /// Stores `records` with consecutive sequence numbers, as far as the size limit allows.
    ///
    /// All stored records go to the file with one `write` per segment, then one sync as
    /// ``Configuration/sync`` says.
    /// - Returns: how many records (a prefix of `records`) were stored, and the last sequence number.
    /// - Throws: ``LinkError`` (``LinkError/Code/recordTooLarge`` for a record that can never fit,
    ///   ``LinkError/Code/spoolIO``, ``LinkError/Code/closed``).
    @discardableResult
    public func append(_ records: some Collection<[UInt8]>) throws -> AppendResult {
        try append(records, checkpoint: nil)
    }

    /// Stores `records` as ``append(_:)`` does and, when every one of them was stored, `checkpoint`
    /// with them in the same write (see "Checkpoints" above). `append([], checkpoint: c)` stores only `c`.
    /// - Returns: as ``append(_:)``; the checkpoint is stored exactly when `accepted == records.count`.
    @discardableResult
    public func append(_ records: some Collection<[UInt8]>, checkpoint: [UInt8]?) throws -> AppendResult {
        try state.withLock { state in
            try state.append(records, checkpoint: checkpoint, configuration: configuration, logger: logger)
        }
    }

    /// The latest checkpoint stored with ``append(_:checkpoint:)`` (also by an earlier process), or nil.
    public var checkpoint: [UInt8]? { state.withLock { $0.checkpoint } }

    /// Reads up to `maxRecords` unacknowledged records with sequence numbers above `sequence`, in order.
    ///
    /// Reads stop at a segment boundary, so fewer records than asked for do not mean there are no more.
    /// Entries that fail their CRC are skipped, counted and logged.
    public func read(after sequence: UInt64, maxRecords: Int, maxBytes: Int = 1 << 20) throws -> [Record] {
        try state.withLock { state in
            try state.read(after: sequence, maxRecords: maxRecords, maxBytes: maxBytes, logger: logger)
        }
    }

    /// Records that every record up to `sequence` was delivered; deletes segments that are wholly
    /// acknowledged and persists the acknowledgement pointer.
    /// - Returns: the acknowledgement pointer afterwards (never beyond the last stored record).
    @discardableResult
    public func acknowledge(through sequence: UInt64) throws -> UInt64 {
        try state.withLock { state in
            try state.acknowledge(through: sequence, directory: configuration.directory, logger: logger)
        }
    }

    /// Forces stored records to disk now, whatever the sync policy.
    public func sync() throws {
        try state.withLock { state in try state.syncActive() }
    }

    /// Whether a record of `size` bytes fits now.
    public func hasSpace(forRecordOf size: Int) -> Bool {
        state.withLock { $0.totalBytes + Self.entryHeaderSize + size + Self.fileHeaderSize <= configuration.maxBytes }
    }

    /// The highest acknowledged sequence number.
    public var acknowledgedSequence: UInt64 { state.withLock { $0.acked } }

    /// The highest sequence number stored so far.
    public var lastSequence: UInt64 { state.withLock { $0.nextSequence - 1 } }

    /// Counters and sizes.
    public var statistics: Statistics {
        state.withLock { state in
            Statistics(
                pendingRecords: state.nextSequence - 1 - state.acked,
                byteCount: state.totalBytes,
                acknowledgedSequence: state.acked,
                lastSequence: state.nextSequence - 1,
                truncatedTails: state.truncatedTails,
                truncatedBytes: state.truncatedBytes,
                corruptRecordsSkipped: state.corruptSkipped
            )
        }
    }

    /// Syncs and closes the files and releases the lock; later calls fail with ``LinkError/Code/closed``.
    public func close() {
        state.withLock { state in
            try? state.syncActive()
            state.closeAll()
        }
    }
}

// MARK: - State

extension DiskSpool {
    fileprivate struct Segment {
        var firstSequence: UInt64
        var lastSequence: UInt64
        var size: Int
        /// File offset of each entry; entry i has sequence firstSequence + i.
        var offsets: [UInt32]
        var path: String
        var readFD: Int32 = -1
        /// Where the last checkpoint entry found by the recovery scan ends, and the records before it.
        var checkpointEnd: Int?
        var recordsBeforeCheckpoint = 0
    }

    fileprivate struct State: ~Copyable {
        var lockFD: Int32
        var segments: [Segment] = []
        /// The last segment, open for appending; -1 when the next append starts a new segment.
        var writeFD: Int32 = -1
        var acked: UInt64 = 0
        var ackFD: Int32 = -1
        var nextSequence: UInt64 = 1
        var totalBytes = 0
        var unsynced = 0
        var truncatedTails = 0
        var truncatedBytes = 0
        var corruptSkipped = 0
        var isClosed = false
        /// The latest checkpoint, and whether the `checkpoint` file holds it.
        var checkpoint: [UInt8]?
        var checkpointInFile = true
        var directory = ""

        init(lockFD: Int32) {
            self.lockFD = lockFD
        }

        mutating func closeAll() {
            guard !isClosed else { return }
            isClosed = true
            if writeFD >= 0 { SpoolFiles.closeDescriptor(writeFD) }
            writeFD = -1
            for index in segments.indices where segments[index].readFD >= 0 {
                SpoolFiles.closeDescriptor(segments[index].readFD)
                segments[index].readFD = -1
            }
            if ackFD >= 0 { SpoolFiles.closeDescriptor(ackFD) }
            ackFD = -1
            if lockFD >= 0 { SpoolFiles.closeDescriptor(lockFD) }
            lockFD = -1
        }

        func checkOpen() throws {
            if isClosed { throw LinkError(.closed, "the spool is closed") }
        }

        // MARK: Recovery

        mutating func recover(directory: String, logger: Logger) throws {
            self.directory = directory
            checkpoint = try SpoolFiles.readCheckpoint(in: directory, logger: logger)
            let ackPath = directory + "/acked"
            ackFD = open(ackPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard ackFD >= 0 else {
                throw LinkError(
                    .spoolUnavailable, "cannot open the acknowledgement pointer", path: ackPath, errno: errno)
            }
            var ackBytes = [UInt8](repeating: 0, count: 16)
            let got = ackBytes.withUnsafeMutableBytes { pread(ackFD, $0.baseAddress, 16, 0) }
            if got == 16, Array(ackBytes[0..<4]) == DiskSpool.ackMagic,
                ackBytes.loadBigEndian(UInt32.self, at: 12) == CRC32.checksum(ackBytes[0..<12])
            {
                acked = ackBytes.loadBigEndian(UInt64.self, at: 4)
            } else if got != 0 {
                logger.warning(
                    "acknowledgement pointer unreadable; treating every spooled record as unacknowledged",
                    metadata: ["spool.path": "\(ackPath)"])
            }

            var names = try SpoolFiles.segmentNames(in: directory)
            names.sort { $0.first < $1.first }
            var previousLast: UInt64 = acked
            var haveSegment = false
            for (name, first) in names {
                let path = directory + "/" + name
                var segment = Segment(firstSequence: first, lastSequence: first - 1, size: 0, offsets: [], path: path)
                let fileBytes = try SpoolFiles.readWhole(path)
                var validEnd = scan(fileBytes, into: &segment)
                if validEnd < fileBytes.count, let cut = segment.checkpointEnd, cut < validEnd {
                    // A torn write: the whole entries after the segment's last checkpoint are the
                    // start of the batch that tore; they go with it, so records and checkpoint agree.
                    segment.offsets.removeLast(segment.offsets.count - segment.recordsBeforeCheckpoint)
                    segment.lastSequence = segment.firstSequence + UInt64(segment.offsets.count) - 1
                    validEnd = cut
                }
                if validEnd < fileBytes.count {
                    truncatedTails += 1
                    truncatedBytes += fileBytes.count - validEnd
                    logger.warning(
                        "spool segment torn (crash while writing?): truncated",
                        metadata: [
                            "spool.path": "\(path)", "spool.offset": "\(validEnd)",
                            "spool.bytes_cut": "\(fileBytes.count - validEnd)",
                            "spool.records_kept": "\(segment.offsets.count)",
                        ])
                    if validEnd >= DiskSpool.fileHeaderSize {
                        guard truncate(path, off_t(validEnd)) == 0 else {
                            throw LinkError(.spoolIO, "cannot truncate a torn segment", path: path, errno: errno)
                        }
                    }
                }
                let sequenceClash = haveSegment && segment.firstSequence <= previousLast
                if segment.offsets.isEmpty || segment.lastSequence <= acked || sequenceClash {
                    try persistCheckpoint()
                    if sequenceClash && !segment.offsets.isEmpty {
                        logger.error(
                            "spool segment overlaps the sequence numbers of the one before; removed",
                            metadata: ["spool.path": "\(path)"])
                    }
                    _ = unlink(path)
                    continue
                }
                segment.size = validEnd
                totalBytes += validEnd
                previousLast = segment.lastSequence
                haveSegment = true
                segments.append(segment)
            }
            nextSequence = max(acked, segments.last?.lastSequence ?? 0) + 1
            if let last = segments.last {
                writeFD = open(last.path, O_WRONLY | O_CLOEXEC)
                guard writeFD >= 0 else {
                    throw LinkError(.spoolIO, "cannot open a segment for appending", path: last.path, errno: errno)
                }
            }
            if !segments.isEmpty {
                logger.info(
                    "spool opened with unacknowledged records",
                    metadata: [
                        "spool.records": "\(nextSequence - 1 - acked)", "spool.bytes": "\(totalBytes)",
                        "spool.acked": "\(acked)",
                    ])
            }
        }

        /// Fills `segment` with the valid entries of `bytes`; returns the end of the valid prefix.
        mutating func scan(_ bytes: [UInt8], into segment: inout Segment) -> Int {
            guard bytes.count >= DiskSpool.fileHeaderSize, Array(bytes[0..<8]) == DiskSpool.fileMagic,
                bytes.loadBigEndian(UInt32.self, at: 8) == 1
            else { return 0 }
            var offset = DiskSpool.fileHeaderSize
            var expected = segment.firstSequence
            bytes.withUnsafeBytes { raw in
                while raw.count - offset >= DiskSpool.entryHeaderSize {
                    guard let entry = DiskSpool.parseEntry(raw, at: offset) else { break }
                    if entry.sequence == 0 {
                        checkpoint = Array(
                            UnsafeRawBufferPointer(rebasing: raw[(offset + DiskSpool.entryHeaderSize)..<entry.end]))
                        checkpointInFile = false
                        offset = entry.end
                        segment.checkpointEnd = offset
                        segment.recordsBeforeCheckpoint = segment.offsets.count
                        continue
                    }
                    guard entry.sequence == expected else { break }
                    segment.offsets.append(UInt32(offset))
                    segment.lastSequence = expected
                    expected += 1
                    offset = entry.end
                }
            }
            return offset
        }

        // MARK: Append

        mutating func append(
            _ records: some Collection<[UInt8]>,
            checkpoint newCheckpoint: [UInt8]?,
            configuration: Configuration,
            logger: Logger
        ) throws -> AppendResult {
            try checkOpen()
            var result = AppendResult(accepted: 0, lastSequence: 0)
            var pending: [UInt8] = []
            var pendingOffsets: [UInt32] = []
            // One allocation for the whole batch (growing it record by record copied it twice over).
            pending.reserveCapacity(
                min(
                    configuration.segmentBytes,
                    records.reduce(0) { $0 + DiskSpool.entryHeaderSize + $1.count } + DiskSpool.entryHeaderSize
                        + (newCheckpoint?.count ?? 0)))
            pendingOffsets.reserveCapacity(records.count)
            if let newCheckpoint {
                if newCheckpoint.count + DiskSpool.entryHeaderSize + DiskSpool.fileHeaderSize
                    > configuration.segmentBytes
                {
                    throw LinkError(
                        .recordTooLarge, "a \(newCheckpoint.count)-byte checkpoint does not fit in a spool segment",
                        path: configuration.directory)
                }
                if records.isEmpty && writeFD < 0 {
                    // Nothing to keep it company: the checkpoint file alone is atomic.
                    try SpoolFiles.writeCheckpoint(newCheckpoint, in: configuration.directory)
                    checkpoint = newCheckpoint
                    checkpointInFile = true
                    return result
                }
                // Keep the batch and its checkpoint in one segment (one write) when they fit in one.
                let batchBytes =
                    records.reduce(0) { $0 + DiskSpool.entryHeaderSize + $1.count } + DiskSpool.entryHeaderSize
                    + newCheckpoint.count
                if writeFD >= 0, !records.isEmpty,
                    segments[segments.count - 1].size + batchBytes > configuration.segmentBytes,
                    batchBytes + DiskSpool.fileHeaderSize <= configuration.segmentBytes,
                    totalBytes + batchBytes + DiskSpool.fileHeaderSize <= configuration.maxBytes
                {
                    try startSegment(directory: configuration.directory, sync: configuration.sync != .never)
                }
            }
            for record in records {
                let entrySize = DiskSpool.entryHeaderSize + record.count
                if entrySize + DiskSpool.fileHeaderSize > configuration.maxBytes {
                    throw LinkError(
                        .recordTooLarge,
                        "a \(record.count)-byte record cannot fit in a spool of \(configuration.maxBytes) bytes",
                        path: configuration.directory)
                }
                let needsNewSegment =
                    writeFD < 0
                    || (segments[segments.count - 1].size + pending.count + entrySize > configuration.segmentBytes)
                let extra = needsNewSegment ? DiskSpool.fileHeaderSize : 0
                if totalBytes + pending.count + extra + entrySize > configuration.maxBytes { break }
                if needsNewSegment {
                    try flush(&pending, offsets: &pendingOffsets)
                    try startSegment(directory: configuration.directory, sync: configuration.sync != .never)
                }
                let start = segments[segments.count - 1].size + pending.count
                pendingOffsets.append(UInt32(start))
                DiskSpool.appendEntry(record, sequence: nextSequence, to: &pending)
                result.accepted += 1
                result.lastSequence = nextSequence
                nextSequence += 1
            }
            var storesCheckpoint = false
            if let newCheckpoint, result.accepted == records.count {
                let entrySize = DiskSpool.entryHeaderSize + newCheckpoint.count
                if writeFD < 0
                    || segments[segments.count - 1].size + pending.count + entrySize > configuration.segmentBytes
                {
                    try flush(&pending, offsets: &pendingOffsets)
                    try startSegment(directory: configuration.directory, sync: configuration.sync != .never)
                }
                DiskSpool.appendEntry(newCheckpoint, sequence: 0, to: &pending)
                storesCheckpoint = true
            }
            try flush(&pending, offsets: &pendingOffsets)
            if storesCheckpoint {
                checkpoint = newCheckpoint
                checkpointInFile = false
            }
            if result.accepted > 0 || storesCheckpoint {
                unsynced += max(result.accepted, 1)
                switch configuration.sync {
                case .never: break
                case .perBatch: try syncActive()
                case .everyRecords(let count): if unsynced >= count { try syncActive() }
                }
            }
            return result
        }

        /// Writes the pending entries to the active segment.
        mutating func flush(_ pending: inout [UInt8], offsets: inout [UInt32]) throws {
            guard !pending.isEmpty else { return }
            let index = segments.count - 1
            let offset = segments[index].size
            let path = segments[index].path
            var written = 0
            while written < pending.count {
                let result = pending.withUnsafeBytes { bytes in
                    pwrite(writeFD, bytes.baseAddress! + written, bytes.count - written, off_t(offset + written))
                }
                if result < 0 {
                    if errno == EINTR { continue }
                    let error = errno
                    // Leave no half-written entry behind: the file keeps only whole entries.
                    _ = ftruncate(writeFD, off_t(offset))
                    nextSequence -= UInt64(offsets.count)
                    pending.removeAll()
                    offsets.removeAll()
                    throw LinkError(
                        .spoolIO, "cannot write to the spool", path: path, offset: UInt64(offset), errno: error)
                }
                written += result
            }
            segments[index].size += pending.count
            segments[index].lastSequence += UInt64(offsets.count)
            segments[index].offsets.append(contentsOf: offsets)
            totalBytes += pending.count
            pending.removeAll(keepingCapacity: true)
            offsets.removeAll(keepingCapacity: true)
        }

        mutating func startSegment(directory: String, sync: Bool) throws {
            if writeFD >= 0 {
                if sync, unsynced > 0 { try syncActive() }
                SpoolFiles.closeDescriptor(writeFD)
                writeFD = -1
            }
            let name = SpoolFiles.segmentName(first: nextSequence)
            let path = directory + "/" + name
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw LinkError(.spoolIO, "cannot create a segment", path: path, errno: errno) }
            var header = DiskSpool.fileMagic
            header.appendBigEndian(UInt32(1))
            header.appendBigEndian(UInt32(0))
            let written = header.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            guard written == header.count else {
                let error = errno
                SpoolFiles.closeDescriptor(fd)
                _ = unlink(path)
                throw LinkError(.spoolIO, "cannot write a segment header", path: path, errno: error)
            }
            if sync { SpoolFiles.syncDirectory(directory) }
            writeFD = fd
            segments.append(
                Segment(
                    firstSequence: nextSequence, lastSequence: nextSequence - 1, size: header.count, offsets: [],
                    path: path))
            totalBytes += header.count
        }

        mutating func syncActive() throws {
            guard writeFD >= 0, unsynced > 0 else { return }
            guard fdatasync(writeFD) == 0 else {
                throw LinkError(.spoolIO, "fdatasync failed", path: segments.last?.path, errno: errno)
            }
            unsynced = 0
        }

        /// Writes the latest checkpoint to the `checkpoint` file before a segment that may hold it goes.
        mutating func persistCheckpoint() throws {
            guard let checkpoint, !checkpointInFile else { return }
            try SpoolFiles.writeCheckpoint(checkpoint, in: directory)
            checkpointInFile = true
        }

        // MARK: Read

        mutating func read(after sequence: UInt64, maxRecords: Int, maxBytes: Int, logger: Logger) throws -> [Record] {
            try checkOpen()
            let start = max(sequence, acked) + 1
            guard start < nextSequence,
                let index = segments.firstIndex(where: { $0.lastSequence >= start && !$0.offsets.isEmpty })
            else { return [] }
            let first = Int(max(start, segments[index].firstSequence) - segments[index].firstSequence)
            let offsets = segments[index].offsets
            var last = min(offsets.count, first + max(maxRecords, 1))
            let from = Int(offsets[first])
            // Stay under maxBytes, but always return at least one record.
            while last > first + 1 {
                let end = last < offsets.count ? Int(offsets[last]) : segments[index].size
                if end - from <= maxBytes { break }
                last -= 1
            }
            let to = last < offsets.count ? Int(offsets[last]) : segments[index].size
            if segments[index].readFD < 0 {
                segments[index].readFD = open(segments[index].path, O_RDONLY | O_CLOEXEC)
                guard segments[index].readFD >= 0 else {
                    throw LinkError(
                        .spoolIO, "cannot open a segment for reading", path: segments[index].path, errno: errno)
                }
            }
            let fd = segments[index].readFD
            var buffer = [UInt8](repeating: 0, count: to - from)
            var got = 0
            while got < buffer.count {
                let result = buffer.withUnsafeMutableBytes {
                    pread(fd, $0.baseAddress! + got, $0.count - got, off_t(from + got))
                }
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else {
                    throw LinkError(
                        .spoolIO, "cannot read a segment", path: segments[index].path, offset: UInt64(from + got),
                        errno: result < 0 ? errno : nil)
                }
                got += result
            }
            var records: [Record] = []
            records.reserveCapacity(last - first)
            var expected = segments[index].firstSequence + UInt64(first)
            buffer.withUnsafeBytes { raw in
                for entryIndex in first..<last {
                    let offset = Int(offsets[entryIndex]) - from
                    if let entry = DiskSpool.parseEntry(raw, at: offset), entry.sequence == expected {
                        records.append(
                            Record(
                                sequence: entry.sequence,
                                bytes: Array(
                                    UnsafeRawBufferPointer(
                                        rebasing: raw[(offset + DiskSpool.entryHeaderSize)..<entry.end]))
                            ))
                    } else {
                        corruptSkipped += 1
                        logger.error(
                            "spooled record failed its check; skipped",
                            metadata: [
                                "spool.path": "\(segments[index].path)", "spool.offset": "\(offsets[entryIndex])",
                                "spool.sequence": "\(expected)",
                            ])
                    }
                    expected += 1
                }
            }
            if records.isEmpty {
                // Every entry of the range was corrupt: go on with the records after them.
                return try read(after: expected - 1, maxRecords: maxRecords, maxBytes: maxBytes, logger: logger)
            }
            return records
        }

        // MARK: Acknowledge

        mutating func acknowledge(through sequence: UInt64, directory: String, logger: Logger) throws -> UInt64 {
            try checkOpen()
            let target = min(sequence, nextSequence - 1)
            guard target > acked else { return acked }
            acked = target
            var bytes = DiskSpool.ackMagic
            bytes.appendBigEndian64(target)
            bytes.appendBigEndian(CRC32.checksum(bytes))
            // 16 bytes written in place: a torn write fails the CRC and only causes resends.
            let written = bytes.withUnsafeBytes { pwrite(ackFD, $0.baseAddress, 16, 0) }
            if written != 16 {
                logger.error(
                    "cannot persist the acknowledgement pointer", metadata: ["spool.errno": "\(errno)"])
            }
            while let first = segments.first, first.lastSequence <= acked {
                try persistCheckpoint()
                if first.readFD >= 0 { SpoolFiles.closeDescriptor(first.readFD) }
                if segments.count == 1, writeFD >= 0 {
                    SpoolFiles.closeDescriptor(writeFD)
                    writeFD = -1
                    unsynced = 0
                }
                _ = unlink(first.path)
                totalBytes -= first.size
                segments.removeFirst()
            }
            return acked
        }
    }

    // MARK: - Entry coding

    fileprivate static func appendEntry(_ record: [UInt8], sequence: UInt64, to buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.appendBigEndian(UInt32(record.count))
        buffer.appendBigEndian64(sequence)
        var crc = buffer.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<(start + 12)])) }
        crc = record.withUnsafeBytes { CRC32.checksum($0, continuing: crc) }
        buffer.appendBigEndian(crc)
        buffer.append(contentsOf: record)
    }

    /// Parses and checks the entry at `offset`; nil when incomplete, oversized or failing its CRC.
    fileprivate static func parseEntry(_ raw: UnsafeRawBufferPointer, at offset: Int) -> (sequence: UInt64, end: Int)? {
        guard offset >= 0, raw.count - offset >= entryHeaderSize else { return nil }
        let length = Int(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        let sequence = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt64.self))
        let stored = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
        let end = offset + entryHeaderSize + length
        guard length <= LinkProtocol.maxRecordBytes, end <= raw.count else { return nil }
        var crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 12)]))
        crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[(offset + entryHeaderSize)..<end]), continuing: crc)
        return crc == stored ? (sequence, end) : nil
    }
}
