// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import DequeModule
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
        /// Admitted and not completed, ascending; its first element is never completed (completed
        /// ones at the front are removed at once), so the watermark is O(1). A sender's records
        /// arrive in order, so admitting appends and completing in order removes the first: a
        /// Set here (hashing per record, a scan for the minimum) was a twentieth of the daemon's CPU.
        var outstanding: Deque<UInt64> = []
        /// Completed out of order: members of `outstanding` behind its first element.
        var completedAhead: Set<UInt64> = []

        var watermark: UInt64 {
            let contiguous = outstanding.first.map { $0 - 1 } ?? highestAdmitted
            return max(saved, contiguous)
        }

        mutating func admit(_ sequence: UInt64) {
            if sequence > highestAdmitted { highestAdmitted = sequence }
            guard let last = outstanding.last, sequence <= last else {
                outstanding.append(sequence)
                return
            }
            let index = position(of: sequence)
            if index < outstanding.count, outstanding[index] == sequence { return }
            outstanding.insert(sequence, at: index)
        }

        /// True when `sequence` was outstanding (and now is not).
        mutating func complete(_ sequence: UInt64) -> Bool {
            guard let first = outstanding.first else { return false }
            if sequence == first {
                outstanding.removeFirst()
                while let next = outstanding.first, completedAhead.remove(next) != nil { outstanding.removeFirst() }
                return true
            }
            guard sequence > first, !completedAhead.contains(sequence) else { return false }
            let index = position(of: sequence)
            guard index < outstanding.count, outstanding[index] == sequence else { return false }
            completedAhead.insert(sequence)
            return true
        }

        /// The index of the first outstanding sequence not below `sequence`.
        private func position(of sequence: UInt64) -> Int {
            var low = 0
            var high = outstanding.count
            while low < high {
                let middle = (low + high) / 2
                if outstanding[middle] < sequence { low = middle + 1 } else { high = middle }
            }
            return low
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
            state.senders[sender, default: Sender(saved: 0, highestAdmitted: 0)].admit(sequence)
        }
    }

    /// Notes that `sequence` of `sender` is completed.
    public func completed(_ sequence: UInt64, from sender: String) {
        state.withLock { state in
            guard state.senders[sender]?.complete(sequence) == true else { return }
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
