// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords

/// Puts IPv4 fragments back together (RFC 815 hole descriptors), within fixed memory bounds.
///
/// Fragments belong together when source, destination, protocol and identification match.
/// **Overlaps: the first copy wins.** Bytes are only ever written into holes, so a later
/// fragment cannot rewrite data already received (the overlapping bytes are counted in
/// ``Statistics/overlapBytes``). A fragment that contradicts the datagram's end (a second last
/// fragment with another end, data beyond the end) drops the whole datagram (``Statistics/rejected``).
///
/// **Bounds:** at most ``Limits/maxDatagrams`` datagrams in flight and ``Limits/maxBytes``
/// bytes buffered (each datagram holds a buffer up to its highest fragment end); when a new
/// fragment would pass either bound the oldest datagrams are evicted. A datagram not complete
/// ``Limits/timeoutSeconds`` of packet time after its first fragment is dropped (checked at most
/// once per second of packet time, on the next fragment or ``expire(now:)``). A datagram sent in
/// more than ``Limits/maxFragmentsPerDatagram`` fragments is dropped.
///
/// Memory is allocated only for fragments; whole packets never reach the reassembler.
public struct IPv4Reassembler {
    /// The memory and time bounds.
    public struct Limits: Hashable, Sendable {
        /// Incomplete datagrams kept at once.
        public var maxDatagrams: Int
        /// Bytes buffered across all incomplete datagrams.
        public var maxBytes: Int
        /// Packet-time seconds a datagram may stay incomplete.
        public var timeoutSeconds: Double
        /// Fragments one datagram may take; past it the datagram is dropped (each fragment costs a
        /// walk over the datagram's holes, so this bounds the work as well).
        public var maxFragmentsPerDatagram: Int

        public init(
            maxDatagrams: Int = 1024, maxBytes: Int = 16 * 1024 * 1024, timeoutSeconds: Double = 30,
            maxFragmentsPerDatagram: Int = 256
        ) {
            self.maxDatagrams = max(1, maxDatagrams)
            self.maxBytes = max(65_535 + 60, maxBytes)
            self.timeoutSeconds = timeoutSeconds
            self.maxFragmentsPerDatagram = max(2, maxFragmentsPerDatagram)
        }
    }

    /// What happened to the fragments so far.
    public struct Statistics: Hashable, Sendable {
        /// Fragments accepted.
        public var fragments: UInt64 = 0
        /// Datagrams completed.
        public var completed: UInt64 = 0
        /// Bytes of fragments that overlapped data already received (ignored: first wins).
        public var overlapBytes: UInt64 = 0
        /// Datagrams dropped because their time ran out.
        public var timeouts: UInt64 = 0
        /// Datagrams dropped to stay within the limits.
        public var evictions: UInt64 = 0
        /// Fragments refused (malformed, or contradicting their datagram, which is dropped too).
        public var rejected: UInt64 = 0

        public init() {}
    }

    /// What ``add(_:datagram:time:)`` did with a fragment.
    public enum Outcome: Hashable, Sendable {
        /// Stored; the datagram still has holes.
        case incomplete
        /// The datagram is complete: read it with ``withCompletedDatagram(_:)``.
        case completed
        /// Refused (see ``Statistics/rejected``).
        case rejected
    }

    private struct Key: Hashable {
        var source: UInt32
        var destination: UInt32
        var identification: UInt16
        var protocolNumber: UInt8
    }

    private struct Hole {
        var first: Int
        var last: Int
    }

    private struct Datagram {
        var firstSeen: Int64
        var header: [UInt8] = []
        var data: [UInt8] = []
        var holes: [Hole] = [Hole(first: 0, last: Int.max)]
        var end: Int?
        var receivedEnd = 0
        var fragmentCount = 0
        var footprint: Int { header.count + data.count }
    }

    /// The bounds this reassembler keeps.
    public let limits: Limits
    /// Counters since creation.
    public private(set) var statistics = Statistics()
    /// Bytes buffered now.
    public private(set) var bufferedBytes = 0
    private var datagrams: [Key: Datagram] = [:]
    private var lastSweep: Int64 = 0
    private var output: [UInt8] = []
    private var timeoutNanoseconds: Int64

    public init(limits: Limits = Limits()) {
        self.limits = limits
        timeoutNanoseconds = Int64(limits.timeoutSeconds * 1e9)
    }

    /// Incomplete datagrams held now.
    public var datagramsInFlight: Int { datagrams.count }

    /// Adds one fragment.
    /// - Parameters:
    ///   - ip: The fragment's decoded IPv4 header.
    ///   - datagram: The fragment from its IP header to the end of its payload (exactly
    ///     `ip.totalLength` bytes; a fragment cut by the snap length cannot be reassembled).
    ///   - time: Packet time in nanoseconds since the epoch.
    /// - Returns: Whether the datagram is now complete.
    public mutating func add(_ ip: IPv4Header, datagram: UnsafeRawBufferPointer, time: Int64) -> Outcome {
        expire(now: time)
        let payloadCount = datagram.count - ip.headerLength
        let first = ip.fragmentByteOffset
        let last = first + payloadCount - 1
        let more = ip.moreFragments
        guard ip.headerLength >= 20, payloadCount > 0, datagram.count == Int(ip.totalLength),
            ip.headerLength + last < 65_535, !more || payloadCount % 8 == 0
        else {
            statistics.rejected += 1
            return .rejected
        }
        let key = Key(
            source: ip.source.rawValue, destination: ip.destination.rawValue, identification: ip.identification,
            protocolNumber: ip.protocolNumber)
        var entry: Datagram
        if let existing = datagrams.removeValue(forKey: key) {
            entry = existing
            bufferedBytes -= entry.footprint
        } else {
            while datagrams.count >= limits.maxDatagrams { evictOldest() }
            entry = Datagram(firstSeen: time)
        }
        entry.fragmentCount += 1
        guard entry.fragmentCount <= limits.maxFragmentsPerDatagram else { return reject() }
        if !more {
            if let end = entry.end, end != last + 1 { return reject() }
            if entry.receivedEnd > last + 1 { return reject() }
            entry.end = last + 1
            var index = 0
            while index < entry.holes.count {
                if entry.holes[index].first > last {
                    entry.holes.remove(at: index)
                } else {
                    entry.holes[index].last = min(entry.holes[index].last, last)
                    index += 1
                }
            }
        } else if let end = entry.end, last >= end {
            return reject()
        }
        let payload = UnsafeRawBufferPointer(rebasing: datagram[ip.headerLength...])
        if first == 0, entry.header.isEmpty {
            entry.header = Array(datagram[..<ip.headerLength])
        }
        if entry.data.count <= last {
            entry.data.append(contentsOf: repeatElement(0, count: last + 1 - entry.data.count))
        }
        var covered = 0
        var index = 0
        while index < entry.holes.count {
            let hole = entry.holes[index]
            guard first <= hole.last, last >= hole.first else {
                index += 1
                continue
            }
            entry.holes.remove(at: index)
            let low = max(first, hole.first)
            let high = min(last, hole.last)
            entry.data.withUnsafeMutableBytes { target in
                target.baseAddress!.advanced(by: low).copyMemory(
                    from: payload.baseAddress!.advanced(by: low - first), byteCount: high - low + 1)
            }
            covered += high - low + 1
            if hole.first < first {
                entry.holes.insert(Hole(first: hole.first, last: first - 1), at: index)
                index += 1
            }
            if last < hole.last {
                entry.holes.insert(Hole(first: last + 1, last: hole.last), at: index)
                index += 1
            }
        }
        statistics.fragments += 1
        statistics.overlapBytes += UInt64(payloadCount - covered)
        entry.receivedEnd = max(entry.receivedEnd, last + 1)
        if entry.holes.isEmpty, let end = entry.end, !entry.header.isEmpty {
            return complete(entry, end: end)
        }
        while bufferedBytes + entry.footprint > limits.maxBytes, !datagrams.isEmpty { evictOldest() }
        guard bufferedBytes + entry.footprint <= limits.maxBytes else {
            statistics.evictions += 1
            return .incomplete
        }
        bufferedBytes += entry.footprint
        datagrams[key] = entry
        return .incomplete
    }

    /// Drops datagrams whose time has run out (at most once per second of packet time).
    /// - Parameter now: Packet time in nanoseconds since the epoch.
    public mutating func expire(now: Int64) {
        guard !datagrams.isEmpty, now &- lastSweep >= 1_000_000_000 || now < lastSweep else { return }
        lastSweep = now
        let expired = datagrams.filter { now &- $0.value.firstSeen > timeoutNanoseconds }
        for (key, entry) in expired {
            datagrams.removeValue(forKey: key)
            bufferedBytes -= entry.footprint
            statistics.timeouts += 1
        }
    }

    /// Reads the datagram the last ``add(_:datagram:time:)`` completed: IP header (total length,
    /// flags, offset and checksum rewritten) and payload. Empty when none has completed yet.
    public func withCompletedDatagram<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try output.withUnsafeBytes(body)
    }

    /// Takes the output buffer out (so the decoder can read it while mutating itself).
    mutating func takeOutput() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &output)
        return taken
    }

    /// Gives the output buffer back (its capacity is reused).
    mutating func restoreOutput(_ buffer: [UInt8]) {
        output = buffer
    }

    /// Counts a refused fragment; its datagram, already taken out of the table, is dropped.
    private mutating func reject() -> Outcome {
        statistics.rejected += 1
        return .rejected
    }

    private mutating func complete(_ entry: Datagram, end: Int) -> Outcome {
        let headerLength = entry.header.count
        output.removeAll(keepingCapacity: true)
        output.append(contentsOf: entry.header)
        output.append(contentsOf: entry.data[..<end])
        let total = headerLength + end
        let dontFragment = entry.header[6] & 0x40
        output[2] = UInt8(total >> 8)
        output[3] = UInt8(truncatingIfNeeded: total)
        output[6] = dontFragment
        output[7] = 0
        output[10] = 0
        output[11] = 0
        output.withUnsafeMutableBytes { buffer in
            let checksum = InternetChecksum.compute(UnsafeRawBufferPointer(rebasing: buffer[..<headerLength]))
            InternetChecksum.store(checksum, into: buffer, at: 10)
        }
        statistics.completed += 1
        return .completed
    }

    private mutating func evictOldest() {
        guard let oldest = datagrams.min(by: { $0.value.firstSeen < $1.value.firstSeen }) else { return }
        datagrams.removeValue(forKey: oldest.key)
        bufferedBytes -= oldest.value.footprint
        statistics.evictions += 1
    }
}
