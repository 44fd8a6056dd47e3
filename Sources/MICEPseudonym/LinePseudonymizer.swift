// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERegex

/// Replaces the identifiers that ``IdentifierPattern``s find in a log line with their pseudonyms
/// (``PseudonymCipher``).
///
/// Every pattern is run over the original line; overlapping matches are resolved (earliest start,
/// then longest, then pattern order) and the line is rebuilt in one pass, so a pseudonym is never
/// itself matched by a later pattern. A value that is already a pseudonym under the same key is
/// left alone, so pseudonymizing is idempotent. Pseudonyms of recent values are cached.
public struct LinePseudonymizer {
    /// The patterns, in priority order.
    public let patterns: [IdentifierPattern]
    /// Uids (text and numeric fields) below this stay in clear.
    public let minimumUID: UInt64
    private let cipher: PseudonymCipher
    private var cache: [CacheKey: [UInt8]] = [:]
    private let cacheLimit: Int

    private struct CacheKey: Hashable {
        var kind: PseudonymKind
        var value: [UInt8]
    }

    private struct Candidate {
        var range: Range<Int>
        var kind: PseudonymKind
        var value: [UInt8]
        var priority: Int
    }

    /// - Parameters:
    ///   - cipher: The keyed cipher.
    ///   - patterns: What to replace; ``IdentifierPattern/defaults()`` by default.
    ///   - minimumUID: Uids below this stay in clear (the original's USER setting); 0 = all.
    ///   - cacheLimit: Pseudonyms kept for reuse; the cache is emptied when full.
    public init(
        cipher: PseudonymCipher, patterns: [IdentifierPattern] = IdentifierPattern.defaults(), minimumUID: UInt64 = 0,
        cacheLimit: Int = 8192
    ) {
        self.cipher = cipher
        self.patterns = patterns
        self.minimumUID = minimumUID
        self.cacheLimit = cacheLimit
    }

    /// The line with its identifiers replaced, and how many were replaced; nil when there were none.
    public mutating func pseudonymize(_ line: UnsafeRawBufferPointer) -> (line: [UInt8], replaced: Int)? {
        var candidates: [Candidate] = []
        for (priority, pattern) in patterns.enumerated() {
            var from = 0
            while from <= line.count, let match = pattern.regex.firstMatch(in: line, from: from) {
                guard let whole = match.ranges[0] else { break }
                from = whole.isEmpty ? whole.upperBound + 1 : whole.upperBound
                guard pattern.valueGroup < match.ranges.count, let range = match.ranges[pattern.valueGroup],
                    !range.isEmpty
                else { continue }
                let text = UnsafeRawBufferPointer(rebasing: line[range])
                guard let (kind, value) = classify(text, as: pattern.kind) else { continue }
                candidates.append(Candidate(range: range, kind: kind, value: value, priority: priority))
            }
        }
        guard !candidates.isEmpty else { return nil }
        candidates.sort {
            if $0.range.lowerBound != $1.range.lowerBound { return $0.range.lowerBound < $1.range.lowerBound }
            if $0.range.count != $1.range.count { return $0.range.count > $1.range.count }
            return $0.priority < $1.priority
        }
        var output: [UInt8] = []
        output.reserveCapacity(line.count + candidates.count * 24)
        var copied = 0
        var replaced = 0
        for candidate in candidates where candidate.range.lowerBound >= copied {
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[copied..<candidate.range.lowerBound]))
            output.append(contentsOf: pseudonym(candidate.value, kind: candidate.kind))
            copied = candidate.range.upperBound
            replaced += 1
        }
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[copied...]))
        return (output, replaced)
    }

    /// ``pseudonymize(_:)`` for a line held in an array or string.
    public mutating func pseudonymize(_ line: some Collection<UInt8>) -> (line: [UInt8], replaced: Int)? {
        let bytes = Array(line)
        return bytes.withUnsafeBytes { pseudonymize($0) }
    }

    /// The pseudonym of one identifier `text` found (or stored in a record field) as `kind`,
    /// after the kind rules: a host value that is an IP address is sealed as ip, an ip or mac value
    /// that is none is nil, a uid below ``minimumUID`` is nil.
    public mutating func pseudonym(of text: some Collection<UInt8>, as kind: PseudonymKind) -> [UInt8]? {
        let bytes = Array(text)
        return bytes.withUnsafeBytes { raw in
            classify(raw, as: kind).map { pseudonym($0.1, kind: $0.0) }
        }
    }

    private func classify(_ text: UnsafeRawBufferPointer, as kind: PseudonymKind) -> (PseudonymKind, [UInt8])? {
        // A pseudonym of this key is left alone, so a record that passes twice is not sealed twice.
        if PseudonymKind.matchingPrefix(text) != nil, (try? cipher.reveal(text)) != nil { return nil }
        switch kind {
        case .host:
            if let address = PseudonymKind.ip.canonicalValue(text) { return (.ip, address) }
            return PseudonymKind.host.canonicalValue(text).map { (.host, $0) }
        case .uid:
            guard let value = PseudonymKind.uid.canonicalValue(text) else { return nil }
            if minimumUID > 0 {
                var number: UInt64 = 0
                for digit in value {
                    let (shifted, overflow) = number.multipliedReportingOverflow(by: 10)
                    if overflow { return (.uid, value) }
                    number = shifted + UInt64(digit - 0x30)
                }
                if number < minimumUID { return nil }
            }
            return (.uid, value)
        case .user, .ip, .mac:
            return kind.canonicalValue(text).map { (kind, $0) }
        }
    }

    private mutating func pseudonym(_ value: [UInt8], kind: PseudonymKind) -> [UInt8] {
        let key = CacheKey(kind: kind, value: value)
        if let cached = cache[key] { return cached }
        // A failed encryption (it does not happen with valid keys) redacts instead of leaking.
        let sealed = cipher.seal(value, kind: kind) ?? Array((kind.prefix + "REDACTED").utf8)
        if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[key] = sealed
        return sealed
    }
}
