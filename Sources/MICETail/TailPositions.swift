// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Read positions of followed files, kept across restarts in a small JSON file.
///
/// **The at-least-once contract.** The tailer never saves a line's position itself. The caller
/// calls ``update(_:)`` with a line only after that line is safely handed on (sent and
/// acknowledged, or spooled to disk), and ``save()`` from time to time and when it stops. Then:
/// - after a clean stop (consume every line the tailer yields until its sequence ends, update,
///   save), no line is read twice: the next start resumes right after the last line handed on;
/// - after a crash, no line is skipped: the next start resumes after the last *saved* line, so
///   the lines handed on since the last save are read again (duplicates, never losses).
///
/// Positions are kept per path and per file identity (device and inode), so a rotated file and
/// its successor do not overwrite each other; the four most recently updated identities of a path
/// are kept. At start the tailer resumes a file whose identity is known at its saved offset (or at
/// 0 if the file is now shorter); a file with an unknown identity at a known path appeared while
/// the tailer was down and is read from its beginning.
///
/// ``save()`` writes a temporary file in the same folder, flushes it to disk and renames it over
/// the old one, so a crash leaves either the old or the new file, never a torn one.
public final class TailPositions: Sendable {
    private struct Entry: Codable, Hashable {
        var path: String
        var device: UInt64
        var inode: UInt64
        var offset: UInt64
        var sequence: UInt64
    }

    private struct FileFormat: Codable {
        var version: Int
        var positions: [Entry]
    }

    private struct State {
        var entries: [String: [FileIdentity: Entry]] = [:]
        var sequence: UInt64 = 0
        var isDirty = false
    }

    /// Identities kept per path.
    public static let identitiesPerPath = 4

    /// The position file, or nil for a store that lives in memory only.
    public let file: String?
    private let state = Mutex(State())

    /// A store in memory only (``save()`` does nothing).
    public init() {
        file = nil
    }

    /// Opens the store kept in `file`, loading it when it exists.
    /// - Throws: ``TailError`` when the file exists but cannot be read or parsed.
    public init(file: String) throws {
        self.file = file
        guard let bytes = try Self.read(file) else { return }
        try load(bytes, source: file)
    }

    /// A store in memory only, holding the positions of `encoded` (what ``encoded()`` returned).
    /// - Parameter source: names the bytes in errors (e.g. the spool they came from).
    /// - Throws: ``TailError`` with code ``TailError/Code/positionsCorrupt``.
    public init(encoded: [UInt8], source: String = "encoded positions") throws {
        file = nil
        try load(encoded, source: source)
    }

    private func load(_ bytes: [UInt8], source: String) throws {
        let format: FileFormat
        do {
            format = try JSONDecoder().decode(FileFormat.self, from: Data(bytes))
        } catch {
            throw TailError(.positionsCorrupt, path: source, "\(error)")
        }
        guard format.version == 1 else {
            throw TailError(.positionsCorrupt, path: source, "unknown version \(format.version)")
        }
        state.withLock { state in
            for entry in format.positions {
                state.entries[entry.path, default: [:]][FileIdentity(device: entry.device, inode: entry.inode)] = entry
                state.sequence = max(state.sequence, entry.sequence)
            }
        }
    }

    /// The saved offset of the file `identity` at `path`, if known.
    public func offset(for path: String, identity: FileIdentity) -> UInt64? {
        state.withLock { $0.entries[path]?[identity]?.offset }
    }

    /// Whether any position is known for `path`.
    public func knows(_ path: String) -> Bool {
        state.withLock { !($0.entries[path]?.isEmpty ?? true) }
    }

    /// Every known position, per path, most recently updated first.
    public var positions: [String: [TailPosition]] {
        state.withLock { state in
            state.entries.mapValues { entries in
                entries.values.sorted { $0.sequence > $1.sequence }.map {
                    TailPosition(identity: FileIdentity(device: $0.device, inode: $0.inode), offset: $0.offset)
                }
            }
        }
    }

    /// Records that `line` was handed on: reading resumes after it.
    public func update(_ line: TailLine) {
        update(path: line.path, position: line.position)
    }

    /// Records a position of `path`.
    public func update(path: String, position: TailPosition) {
        state.withLock { state in
            state.sequence += 1
            var entries = state.entries[path, default: [:]]
            entries[position.identity] = Entry(
                path: path, device: position.identity.device, inode: position.identity.inode,
                offset: position.offset, sequence: state.sequence)
            if entries.count > Self.identitiesPerPath,
                let oldest = entries.values.min(by: { $0.sequence < $1.sequence })
            {
                entries[FileIdentity(device: oldest.device, inode: oldest.inode)] = nil
            }
            state.entries[path] = entries
            state.isDirty = true
        }
    }

    /// Forgets every path not in `paths` (files no longer configured).
    public func retain(paths: Set<String>) {
        state.withLock { state in
            let before = state.entries.count
            state.entries = state.entries.filter { paths.contains($0.key) }
            if state.entries.count != before { state.isDirty = true }
        }
    }

    /// Writes the positions to ``file`` atomically (nothing happens when nothing changed).
    /// - Throws: ``TailError`` with code ``TailError/Code/positionsWriteFailed``; the old file is kept.
    public func save() throws {
        guard let file else { return }
        // The lock is held while writing so that two savers cannot interleave their renames.
        try state.withLock { state in
            guard state.isDirty else { return }
            let data = try Self.encode(state, pretty: true, path: file)
            try Self.writeAtomically(data + [UInt8(ascii: "\n")], to: file)
            state.isDirty = false
        }
    }

    /// The positions as compact JSON (the format of the position file), for ``init(encoded:source:)``:
    /// the DataForwarder stores them in each link's spool with the records they account for.
    public func encoded() throws -> [UInt8] {
        try state.withLock { try Self.encode($0, pretty: false, path: file ?? "positions") }
    }

    private static func encode(_ state: State, pretty: Bool, path: String) throws -> [UInt8] {
        let entries = state.entries.values.flatMap(\.values).sorted {
            ($0.path, $0.sequence) < ($1.path, $1.sequence)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        do {
            return Array(try encoder.encode(FileFormat(version: 1, positions: entries)))
        } catch {
            throw TailError(.positionsWriteFailed, path: path, "\(error)")
        }
    }

    // MARK: - Files

    private static func read(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw TailError(.positionsUnreadable, path: path, errno: errno)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw TailError(.positionsUnreadable, path: path, errno: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > 64 << 20 { throw TailError(.positionsCorrupt, path: path, "larger than 64 MiB") }
        }
    }

    private static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TailError(.positionsWriteFailed, path: temporary, errno: errno) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlink(temporary)
                throw TailError(.positionsWriteFailed, path: temporary, errno: code)
            }
            written += count
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            unlink(temporary)
            throw TailError(.positionsWriteFailed, path: temporary, errno: code)
        }
        close(fd)
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw TailError(.positionsWriteFailed, path: path, errno: code)
        }
        // Make the rename itself durable.
        let folder = path.lastIndex(of: "/").map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? "."
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }
}
