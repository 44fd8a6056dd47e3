// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICETail

/// Where reading resumes after a start, and which lines each link already holds.
///
/// Every link keeps its own read positions, stored atomically with its records (the spool's
/// checkpoint). At start:
/// - a link's positions are its checkpoint; for a path its checkpoint does not know, the position
///   file's entry for that path (the place a file was first opened, saved at once by the tailer);
/// - the tailer resumes each file at the **smallest** offset any link holds for it (an identity that
///   a link knows the path of, but not the identity, counts as offset 0 for that link);
/// - a line then goes to a link only if it lies after that link's offset for its file identity;
///   once a link has passed its offset, or the file was truncated (offsets went backwards), every
///   further line of that identity goes to it.
///
/// So a line is sent to each link exactly once across crashes and restarts, as long as every
/// checkpoint is stored atomically with the records of its batch.
public struct ResumePlan: Sendable {
    /// Each link's positions at start, in the order given.
    public let linkPositions: [[String: [TailPosition]]]
    /// Where the tailer resumes: per path, per identity, the smallest offset over the links.
    public let tailerPositions: [String: [TailPosition]]
    private var skipThrough: [[FileIdentity: UInt64]]
    private var lastOffsets: [FileIdentity: UInt64] = [:]

    /// - Parameters:
    ///   - checkpoints: Each link's checkpoint positions, nil when it has none.
    ///   - fallback: The position file's positions.
    ///   - currentSizes: The sizes of the files now at the configured paths, by identity: a link
    ///     whose offset lies beyond its file's end (truncated while the forwarder was down) gets the
    ///     file again from where the tailer starts.
    public init(
        checkpoints: [[String: [TailPosition]]?], fallback: [String: [TailPosition]],
        currentSizes: [FileIdentity: UInt64] = [:]
    ) {
        var links: [[String: [TailPosition]]] = []
        for checkpoint in checkpoints {
            var positions = checkpoint ?? [:]
            for (path, entries) in fallback where positions[path] == nil { positions[path] = entries }
            links.append(positions)
        }
        linkPositions = links
        var combined: [String: [TailPosition]] = [:]
        let paths = Set(links.flatMap(\.keys))
        for path in paths.sorted() {
            let holders = links.compactMap { $0[path] }
            var order: [FileIdentity] = []
            for entries in holders {
                for entry in entries where !order.contains(entry.identity) { order.append(entry.identity) }
            }
            combined[path] = order.map { identity in
                let offset =
                    holders.map { entries in entries.first { $0.identity == identity }?.offset ?? 0 }.min() ?? 0
                return TailPosition(identity: identity, offset: offset)
            }
        }
        tailerPositions = combined
        skipThrough = links.map { positions in
            var skips: [FileIdentity: UInt64] = [:]
            for entry in positions.values.joined() {
                if let size = currentSizes[entry.identity], size < entry.offset { continue }
                skips[entry.identity] = max(skips[entry.identity] ?? 0, entry.offset)
            }
            return skips
        }
    }

    /// The number of links.
    public var linkCount: Int { linkPositions.count }

    /// Which links `line` goes to (one flag per link, in order). Call once per line, in the order read.
    public mutating func route(_ line: TailLine) -> [Bool] {
        let identity = line.position.identity
        let offset = line.position.offset
        if let last = lastOffsets[identity], offset <= last {
            // The file was truncated and is read again from its start: all of it is new.
            for index in skipThrough.indices { skipThrough[index][identity] = nil }
        }
        lastOffsets[identity] = offset
        return skipThrough.indices.map { index in
            guard let limit = skipThrough[index][identity] else { return true }
            if offset <= limit { return false }
            skipThrough[index][identity] = nil
            return true
        }
    }

    /// Fills an empty store with `positions`, keeping their order (most recent first).
    public static func fill(_ store: TailPositions, with positions: [String: [TailPosition]]) {
        for (path, entries) in positions.sorted(by: { $0.key < $1.key }) {
            for entry in entries.reversed() { store.update(path: path, position: entry) }
        }
    }
}
