// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The tailer's synchronous core, used only on the reader thread: opens the files, notices
/// rotation and truncation, reads, splits lines and hands them to `emit`.
///
/// Per configured path there is the *current* reader (the inode now at the path) and any
/// *retiring* readers (inodes that were renamed away or deleted). A retiring reader is read
/// until it has been quiet for the rotation grace, so that lines a writer appends after the
/// rename (before it reopens) are not lost; then its final partial line is emitted and it is
/// closed.
final class TailEngine {
    final class WatchedPath {
        let file: TailedFile
        let folder: String
        let name: [UInt8]
        var current: FileReader?
        var retiring: [FileReader] = []
        /// Set once the path was opened or found missing: later openings read from 0.
        var isPastStart = false
        /// A stream that ended is reopened at the next sweep only (no busy loop).
        var waitForSweep = false
        var lastOpenError: String?

        init(_ file: TailedFile) {
            self.file = file
            let path = file.path
            if let slash = path.lastIndex(of: "/") {
                folder = path[..<slash].isEmpty ? "/" : String(path[..<slash])
                name = Array(path[path.index(after: slash)...].utf8)
            } else {
                folder = "."
                name = Array(path.utf8)
            }
        }
    }

    static let chunkSize = 64 * 1024
    /// Chunks read from one file per turn before the others get theirs.
    static let chunksPerTurn = 64

    let paths: [WatchedPath]
    let configuration: TailConfiguration
    let positions: TailPositions?
    let statistics: TailCounters
    let logger: Logger
    /// Hands a line on; false when the consumer is gone.
    let emit: (TailLine) -> Bool
    private var chunk = [UInt8](repeating: 0, count: TailEngine.chunkSize)
    private(set) var isAborted = false

    init(
        files: [TailedFile], configuration: TailConfiguration, positions: TailPositions?,
        statistics: TailCounters, logger: Logger, emit: @escaping (TailLine) -> Bool
    ) {
        paths = files.map(WatchedPath.init)
        self.configuration = configuration
        self.positions = positions
        self.statistics = statistics
        self.logger = logger
        self.emit = emit
    }

    // MARK: - Checking one path

    /// Reads what is new at path `index`, follows rotation and truncation, retires old files.
    /// - Parameter isSweep: a periodic sweep (streams that ended are reopened only then).
    /// - Returns: true when the path has more data than one turn read (check it again soon).
    func check(_ index: Int, isSweep: Bool) -> Bool {
        let watched = paths[index]
        var more = false
        if let current = watched.current {
            more = read(current, of: watched)
            if isAborted { return false }
        }
        var info = stat()
        if stat(watched.file.path, &info) == 0 {
            let identity = FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            if let current = watched.current, current.identity == identity {
                if current.isStream {
                    if current.reachedEnd {
                        current.close()
                        watched.current = nil
                        watched.waitForSweep = true
                    }
                } else if UInt64(max(0, info.st_size)) < current.offset {
                    truncated(current, of: watched)
                    more = read(current, of: watched)
                }
            } else if (!watched.waitForSweep && watched.lastOpenError == nil) || isSweep {
                // After a failed open (or the end of a stream) the next try waits for the sweep,
                // so a busy folder does not turn into a stream of refused requests.
                watched.waitForSweep = false
                if let reader = open(watched) {
                    if let old = watched.current { retire(old, of: watched) }
                    watched.current = reader
                    more = read(reader, of: watched)
                }
            }
        } else if errno == ENOENT || errno == ENOTDIR {
            watched.isPastStart = true
            if let old = watched.current {
                retire(old, of: watched)
                watched.current = nil
            }
        }
        if isAborted { return false }
        checkRetiring(watched)
        return more && !isAborted
    }

    /// Whether path `index` has rotated files still being finished.
    func hasRetiring(_ index: Int) -> Bool { !paths[index].retiring.isEmpty }

    private func retire(_ reader: FileReader, of watched: WatchedPath) {
        reader.lastActivity = .now
        statistics.withLock { $0.rotations += 1 }
        watched.retiring.append(reader)
        logger.debug(
            "file replaced; finishing the old one",
            metadata: ["tail.path": "\(watched.file.path)", "tail.inode": "\(reader.identity)"])
    }

    private func checkRetiring(_ watched: WatchedPath, force: Bool = false) {
        guard !watched.retiring.isEmpty else { return }
        var kept: [FileReader] = []
        for reader in watched.retiring {
            while read(reader, of: watched) && !isAborted {}
            if isAborted { return }
            let quiet = ContinuousClock.now - reader.lastActivity >= configuration.rotationGrace
            if force || quiet || reader.reachedEnd {
                flushPending(reader, of: watched)
                reader.close()
            } else {
                kept.append(reader)
            }
        }
        watched.retiring = kept
    }

    private func truncated(_ reader: FileReader, of watched: WatchedPath) {
        logger.info(
            "file shrank below the read offset (copytruncate); reading it again from the start",
            metadata: ["tail.path": "\(watched.file.path)", "tail.offset": "\(reader.offset)"])
        flushPending(reader, of: watched)
        reader.offset = 0
        statistics.withLock { $0.truncations += 1 }
    }

    // MARK: - Opening

    private func open(_ watched: WatchedPath) -> FileReader? {
        let path = watched.file.path
        let fd: Int32
        do {
            fd = try configuration.opener.open(path)
        } catch {
            openFailed(watched, "\(error)")
            return nil
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let message = SystemError.message(errno)
            close(fd)
            openFailed(watched, "fstat: \(message)")
            return nil
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG || type == S_IFIFO || type == S_IFCHR else {
            close(fd)
            openFailed(watched, "not a regular file, FIFO or character device")
            return nil
        }
        let isStream = type != S_IFREG
        if isStream {
            let flags = fcntl(fd, F_GETFL)
            if flags >= 0 && flags & O_NONBLOCK == 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
        }
        let identity = FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        let size = UInt64(max(0, info.st_size))
        var offset: UInt64 = 0
        let saved = isStream ? nil : positions?.offset(for: path, identity: identity)
        if let saved {
            offset = saved <= size ? saved : 0
        } else if !isStream && !watched.isPastStart && !(positions?.knows(path) ?? false) {
            offset = configuration.startAt == .end ? size : 0
        }
        watched.isPastStart = true
        if watched.lastOpenError != nil {
            logger.info("file opened again", metadata: ["tail.path": "\(path)"])
            watched.lastOpenError = nil
        }
        if let positions, !isStream, saved == nil {
            // Remember where this file starts, so that a crash before its first line is handed
            // on neither skips it (start at end) nor reads it twice.
            positions.update(path: path, position: TailPosition(identity: identity, offset: offset))
            do {
                try positions.save()
            } catch {
                logger.warning("cannot save read positions", metadata: ["tail.error": "\(error)"])
            }
        }
        logger.debug(
            "following file",
            metadata: ["tail.path": "\(path)", "tail.inode": "\(identity)", "tail.offset": "\(offset)"])
        return FileReader(fd: fd, identity: identity, isStream: isStream, offset: offset)
    }

    private func openFailed(_ watched: WatchedPath, _ message: String) {
        statistics.withLock { $0.openFailures += 1 }
        if watched.lastOpenError != message {
            watched.lastOpenError = message
            logger.warning(
                "cannot open log file", metadata: ["tail.path": "\(watched.file.path)", "tail.error": "\(message)"])
        }
    }

    // MARK: - Reading and splitting

    /// Reads up to one turn of chunks.
    /// - Returns: true when the turn ended with data left (read again soon).
    private func read(_ reader: FileReader, of watched: WatchedPath) -> Bool {
        for _ in 0..<Self.chunksPerTurn {
            let count = chunk.withUnsafeMutableBytes { buffer -> Int in
                reader.isStream
                    ? Glibc.read(reader.fd, buffer.baseAddress, buffer.count)
                    : pread(reader.fd, buffer.baseAddress, buffer.count, off_t(reader.offset))
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return false }
                statistics.withLock { $0.readErrors += 1 }
                logger.warning(
                    "read failed",
                    metadata: ["tail.path": "\(watched.file.path)", "tail.error": "\(SystemError.message(errno))"])
                return false
            }
            if count == 0 {
                if reader.isStream { reader.reachedEnd = true }
                return false
            }
            reader.lastActivity = .now
            statistics.withLock { $0.bytes += UInt64(count) }
            if !split(count, reader: reader, watched: watched) {
                isAborted = true
                return false
            }
            // A short read of a regular file means its end (for now).
            if !reader.isStream && count < chunk.count { return false }
        }
        return true
    }

    /// Splits `count` bytes of `chunk` into lines; false when the consumer is gone.
    private func split(_ count: Int, reader: FileReader, watched: WatchedPath) -> Bool {
        let base = reader.offset
        let maximum = configuration.maxLineLength
        var lines: [TailLine] = []
        var truncatedLines: UInt64 = 0
        chunk.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while start < count {
                let found = memchr(bytes.baseAddress! + start, 0x0A, count - start)
                let end = found.map { UnsafeRawPointer($0) - UnsafeRawPointer(bytes.baseAddress!) } ?? count
                // Append this piece to the partial line, up to the maximum.
                if reader.pending.isEmpty && !reader.pendingOverflow && found != nil && end - start <= maximum {
                    lines.append(
                        line(
                            Array(bytes[start..<end]), reader: reader, watched: watched, terminated: true,
                            truncated: false, end: base + UInt64(end) + 1))
                    start = end + 1
                    continue
                }
                let room = maximum - reader.pending.count
                if end - start > room {
                    reader.pending.append(contentsOf: bytes[start..<(start + max(0, room))])
                    reader.pendingOverflow = true
                } else {
                    reader.pending.append(contentsOf: bytes[start..<end])
                }
                guard found != nil else { break }
                if reader.pendingOverflow { truncatedLines += 1 }
                lines.append(
                    line(
                        reader.pending, reader: reader, watched: watched, terminated: true,
                        truncated: reader.pendingOverflow, end: base + UInt64(end) + 1))
                reader.pending = []
                reader.pendingOverflow = false
                start = end + 1
            }
        }
        reader.offset = base + UInt64(count)
        if truncatedLines > 0 {
            statistics.withLock { $0.truncatedLines += truncatedLines }
        }
        for line in lines {
            guard emit(line) else { return false }
            statistics.withLock { $0.lines += 1 }
        }
        return true
    }

    private func line(
        _ content: [UInt8], reader: FileReader, watched: WatchedPath, terminated: Bool, truncated: Bool, end: UInt64
    ) -> TailLine {
        TailLine(
            path: watched.file.path, tag: watched.file.tag, content: content, isTerminated: terminated,
            isTruncated: truncated, position: TailPosition(identity: reader.identity, offset: end))
    }

    /// Emits a final partial line without newline.
    private func flushPending(_ reader: FileReader, of watched: WatchedPath) {
        guard reader.hasPending, !isAborted else { return }
        let line = line(
            reader.pending, reader: reader, watched: watched, terminated: false, truncated: reader.pendingOverflow,
            end: reader.offset)
        reader.pending = []
        reader.pendingOverflow = false
        statistics.withLock {
            $0.unterminatedLines += 1
            if line.isTruncated { $0.truncatedLines += 1 }
        }
        if emit(line) {
            statistics.withLock { $0.lines += 1 }
        } else {
            isAborted = true
        }
    }

    // MARK: - Stopping

    /// Clean stop: rotated files are finished (read to their end, final partial line emitted),
    /// because after a restart they can no longer be found; current files are closed with their
    /// partial line unread, so a restart reads it whole.
    func finish() {
        for watched in paths {
            if !isAborted { checkRetiring(watched, force: true) }
            for reader in watched.retiring { reader.close() }
            watched.retiring = []
            watched.current?.close()
            watched.current = nil
        }
    }

    /// The descriptors of open streams (FIFOs, character devices), to poll for input.
    var streamDescriptors: [(index: Int, fd: Int32)] {
        paths.enumerated().compactMap { index, watched in
            guard let current = watched.current, current.isStream, !current.reachedEnd else { return nil }
            return (index, current.fd)
        }
    }
}
