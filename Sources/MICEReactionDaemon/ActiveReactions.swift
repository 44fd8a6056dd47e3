// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Synchronization

/// The list of countermeasures in force, persisted as JSON in `STATEDIR/reactions.json`
/// (rewritten atomically after every change; expired entries are dropped on each write).
public final class ActiveReactions: Sendable {
    /// The file's name inside the state directory.
    public static let fileName = "reactions.json"

    /// The state file.
    public let path: String
    private let entries: Mutex<[ActiveReaction]>

    /// Opens the list in `stateDirectory`, reading what an earlier run left.
    /// - Throws: ``ReactionDaemonError`` (`stateFile`) when the file exists but cannot be read.
    public init(stateDirectory: String) throws(ReactionDaemonError) {
        path = (stateDirectory as NSString).appendingPathComponent(Self.fileName)
        entries = Mutex(try Self.read(path: path))
    }

    /// Reads a state file (for `micectl reactions list`); a missing file is an empty list.
    /// - Throws: ``ReactionDaemonError`` (`stateFile`).
    public static func read(path: String) throws(ReactionDaemonError) -> [ActiveReaction] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try JSONDecoder().decode([ActiveReaction].self, from: data)
        } catch {
            throw ReactionDaemonError(.stateFile, "\(path): \(error)")
        }
    }

    /// The entries in force at `now`.
    public func current(now: Int64) -> [ActiveReaction] {
        entries.withLock { $0.filter { $0.isInForce(at: now) } }
    }

    /// Adds (or replaces by key) an entry and writes the file.
    public func record(_ reaction: ActiveReaction, now: Int64) throws(ReactionDaemonError) {
        let snapshot = entries.withLock { entries -> [ActiveReaction] in
            entries.removeAll { $0.key == reaction.key || !$0.isInForce(at: now) }
            entries.append(reaction)
            return entries
        }
        try write(snapshot)
    }

    /// Removes the entry with `key` (the module undid it) and writes the file.
    public func remove(key: String, now: Int64) throws(ReactionDaemonError) {
        let snapshot = entries.withLock { entries -> [ActiveReaction] in
            entries.removeAll { $0.key == key || !$0.isInForce(at: now) }
            return entries
        }
        try write(snapshot)
    }

    private func write(_ snapshot: [ActiveReaction]) throws(ReactionDaemonError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            let data = try encoder.encode(snapshot)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ReactionDaemonError(.stateFile, "\(path): \(error)")
        }
    }
}
