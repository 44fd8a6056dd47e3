// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Per entry and per acked sender: the highest sequence number such that every record of that
/// sender up to it is completed (stored, refused by the decoder for good, or dropped by a drop-*
/// policy), kept in a small JSON file of the state directory.
///
/// The file answers ``MICETransport/LinkServer/Configuration/durableSequence`` after a restart, so
/// a sender's resends of records already stored are skipped. It is written with write-to-temporary
/// + fsync + rename (never half-written) by ``save()``, which the daemon calls at most every 100 ms
/// when something changed, and at stop.
///
/// The watermark only ever lags the database: a record counts once the postprocessing module
/// replied for it, so a crash can lose watermark progress (those records are stored again when
/// resent: duplicates), never records.
public final class WatermarkStore: Sendable {
    private struct Sender {
        var saved: UInt64
        var highestAdmitted: UInt64
        var outstanding: Set<UInt64> = []

        var watermark: UInt64 {
            let contiguous = outstanding.min().map { $0 - 1 } ?? highestAdmitted
            return max(saved, contiguous)
        }
    }

    private struct State {
        var senders: [String: Sender] = [:]
        var changed = false
    }

    /// The watermark file.
    public let path: String
    private let state: Mutex<State>
    private let writeLock = Mutex(())

    /// Opens (or starts) the watermark file at `path`.
    /// - Throws: ``BufferDaemonError`` (watermarkFile) when the file exists but is not a watermark file.
    public init(path: String) throws(BufferDaemonError) {
        self.path = path
        var senders: [String: Sender] = [:]
        if FileManager.default.fileExists(atPath: path) {
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                let file = try JSONDecoder().decode(WatermarkFile.self, from: data)
                for (sender, sequence) in file.senders {
                    senders[sender] = Sender(saved: sequence, highestAdmitted: sequence)
                }
            } catch {
                throw BufferDaemonError(.watermarkFile, file: path, "unreadable watermark file: \(error)")
            }
        }
        state = Mutex(State(senders: senders))
    }

    /// The watermark of `sender` (0 when unknown): what ``LinkServer`` asks at a sender's first connection.
    public func durableSequence(of sender: String) -> UInt64 {
        state.withLock { $0.senders[sender]?.watermark ?? 0 }
    }

    /// Every sender's watermark now.
    public var watermarks: [String: UInt64] {
        state.withLock { $0.senders.mapValues(\.watermark) }
    }

    /// Notes that `sequence` of `sender` was handed to the pipeline (call before it can complete).
    public func admitted(_ sequence: UInt64, from sender: String) {
        state.withLock { state in
            // Mutated in place: a copy of the entry would copy its set for every record.
            state.senders[sender, default: Sender(saved: 0, highestAdmitted: 0)].outstanding.insert(sequence)
            if sequence > state.senders[sender]!.highestAdmitted { state.senders[sender]!.highestAdmitted = sequence }
        }
    }

    /// Notes that `sequence` of `sender` is completed.
    public func completed(_ sequence: UInt64, from sender: String) {
        state.withLock { state in
            guard state.senders[sender]?.outstanding.remove(sequence) != nil else { return }
            state.changed = true
        }
    }

    /// Writes the file when a watermark moved since the last save.
    /// - Returns: whether it wrote.
    @discardableResult
    public func save() throws(BufferDaemonError) -> Bool {
        try writeLock.withLock { _ throws(BufferDaemonError) -> Bool in
            let snapshot = state.withLock { state -> [String: UInt64]? in
                guard state.changed else { return nil }
                state.changed = false
                return state.senders.mapValues(\.watermark)
            }
            guard let snapshot else { return false }
            do throws(BufferDaemonError) {
                try Self.write(WatermarkFile(senders: snapshot), to: path)
            } catch {
                state.withLock { $0.changed = true }
                throw error
            }
            state.withLock { state in
                for (sender, sequence) in snapshot { state.senders[sender]?.saved = sequence }
            }
            return true
        }
    }

    private static func write(_ file: WatermarkFile, to path: String) throws(BufferDaemonError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let bytes: [UInt8]
        do {
            bytes = Array(try encoder.encode(file)) + [0x0A]
        } catch {
            throw BufferDaemonError(.watermarkFile, file: path, "cannot encode: \(error)")
        }
        try AtomicFile.write(bytes, to: path)
    }
}

/// The watermark file's JSON: `{"senders": {"<sender id>": <sequence>}}`.
struct WatermarkFile: Codable, Sendable {
    var senders: [String: UInt64]
}
