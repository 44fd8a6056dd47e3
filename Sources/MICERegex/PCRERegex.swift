// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import CPCRE2

/// A compiled PCRE2 pattern (JIT-compiled where the platform allows) that matches raw bytes.
///
/// Log lines are bytes, not Swift strings: they may hold invalid UTF-8 or NULs, so matching runs
/// on byte buffers, in PCRE2's non-UTF mode by default. An instance owns its match data and is
/// therefore not thread-safe; give each thread its own (compiling is cheap next to matching).
public final class PCRERegex {
    /// Options for compiling.
    public struct Options: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Match only at the start of the subject, as the original GNU `re_match` did.
        public static let anchored = Options(rawValue: PCRE2_ANCHORED)
        /// Case-insensitive matching.
        public static let caseless = Options(rawValue: PCRE2_CASELESS)
    }

    /// The pattern text.
    public let pattern: String
    private let code: OpaquePointer
    private let matchData: OpaquePointer
    private let ovector: UnsafeMutablePointer<Int>
    /// Whether the JIT compiled this pattern.
    public let isJITCompiled: Bool
    /// Names of the named capture groups, by group number.
    public let groupNames: [Int: String]
    /// How many capture groups the pattern has (group 0, the whole match, not counted).
    public let captureCount: Int

    /// Compiles `pattern`.
    /// - Throws: ``RegexError`` with the offset in the pattern where PCRE2 stopped.
    public init(_ pattern: String, options: Options = []) throws(RegexError) {
        self.pattern = pattern
        var errorCode: Int32 = 0
        var errorOffset = 0
        let compiled = pattern.utf8CString.withUnsafeBufferPointer { text in
            text.baseAddress!.withMemoryRebound(to: UInt8.self, capacity: text.count) { bytes in
                pcre2_compile_8(bytes, text.count - 1, options.rawValue, &errorCode, &errorOffset, nil)
            }
        }
        guard let compiled else {
            throw RegexError(pattern: pattern, offset: errorOffset, message: PCRERegex.message(for: errorCode))
        }
        guard let data = pcre2_match_data_create_from_pattern_8(compiled, nil) else {
            pcre2_code_free_8(compiled)
            throw RegexError(pattern: pattern, offset: 0, message: "out of memory for match data")
        }
        self.code = compiled
        self.matchData = data
        self.ovector = pcre2_get_ovector_pointer_8(data)!
        self.isJITCompiled = pcre2_jit_compile_8(compiled, PCRE2_JIT_COMPLETE) == 0
        self.groupNames = PCRERegex.readGroupNames(compiled)
        var captures: UInt32 = 0
        _ = pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &captures)
        self.captureCount = Int(captures)
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        pcre2_code_free_8(code)
    }

    /// Whether the pattern matches somewhere in `subject` (or at its start, for anchored patterns).
    public func matches(_ subject: UnsafeRawBufferPointer) -> Bool {
        run(subject) > 0
    }

    /// Whether the pattern matches somewhere in `subject`.
    public func matches(_ subject: some Collection<UInt8>) -> Bool {
        if let result = subject.withContiguousStorageIfAvailable({ matches(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(subject).withUnsafeBytes { matches($0) }
    }

    /// The first match in `subject`: the byte range of the whole match and of every group
    /// (nil for groups that did not take part).
    public func firstMatch(in subject: UnsafeRawBufferPointer) -> RegexMatch? {
        firstMatch(in: subject, from: 0)
    }

    /// The first match in `subject` that starts at or after `start`, with lookbehinds and `\b`
    /// still seeing the bytes before `start` (for finding every match of a line in turn).
    /// - Parameters:
    ///   - subject: The bytes to search.
    ///   - start: Offset where the search starts; nil is returned when it lies beyond the end.
    public func firstMatch(in subject: UnsafeRawBufferPointer, from start: Int) -> RegexMatch? {
        guard start >= 0, start <= subject.count else { return nil }
        let count = run(subject, from: start)
        guard count > 0 else { return nil }
        let vector = pcre2_get_ovector_pointer_8(matchData)!
        let pairs = Int(pcre2_get_ovector_count_8(matchData))
        var ranges: [Range<Int>?] = []
        ranges.reserveCapacity(pairs)
        for index in 0..<pairs {
            let start = vector[2 * index]
            let end = vector[2 * index + 1]
            // PCRE2_UNSET is ~(size_t)0, which Swift sees as -1.
            if index >= Int(count) || start < 0 || end < start {
                ranges.append(nil)
            } else {
                ranges.append(start..<end)
            }
        }
        return RegexMatch(ranges: ranges, groupNames: groupNames)
    }

    /// Matches `subject` without building a ``RegexMatch``: returns how many pairs of
    /// ``offsets`` are set (0: no match). The offsets stay valid until the next match with this
    /// regex; for hot loops that read a few groups and would otherwise allocate per match.
    @inline(__always)
    public func matchCount(in subject: UnsafeRawBufferPointer) -> Int {
        let count = run(subject)
        return count > 0 ? Int(count) : 0
    }

    /// The offset vector of the last match: start and end of group N at 2N and 2N+1
    /// (`-1` for groups that did not take part); `2 * (captureCount + 1)` entries.
    public var offsets: UnsafePointer<Int> { UnsafePointer(ovector) }

    /// The first match in `subject`.
    public func firstMatch(in subject: [UInt8]) -> RegexMatch? {
        subject.withUnsafeBytes { firstMatch(in: $0) }
    }

    private func run(_ subject: UnsafeRawBufferPointer, from start: Int = 0) -> Int32 {
        let base = subject.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let empty: UInt8 = 0
        if let base {
            if isJITCompiled { return pcre2_jit_match_8(code, base, subject.count, start, 0, matchData, nil) }
            return pcre2_match_8(code, base, subject.count, start, 0, matchData, nil)
        }
        return withUnsafePointer(to: empty) { pcre2_match_8(code, $0, 0, 0, 0, matchData, nil) }
    }

    private static func message(for code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = pcre2_get_error_message_8(code, &buffer, buffer.count)
        return length > 0 ? String(decoding: buffer.prefix(Int(length)), as: UTF8.self) : "PCRE2 error \(code)"
    }

    private static func readGroupNames(_ code: OpaquePointer) -> [Int: String] {
        var count: UInt32 = 0
        var entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>?
        guard pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMECOUNT), &count) == 0, count > 0,
            pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize) == 0,
            pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMETABLE), &table) == 0, let table
        else { return [:] }
        var names: [Int: String] = [:]
        for entry in 0..<Int(count) {
            let start = table + entry * Int(entrySize)
            let number = Int(start[0]) << 8 | Int(start[1])
            names[number] = String(cString: start + 2)
        }
        return names
    }
}

/// The byte ranges of one match.
public struct RegexMatch: Hashable, Sendable {
    /// Range of each group; index 0 is the whole match.
    public var ranges: [Range<Int>?]
    /// Names of the named groups, by group number.
    public var groupNames: [Int: String]

    /// The range of the group called `name`.
    public func range(named name: String) -> Range<Int>? {
        guard let number = groupNames.first(where: { $0.value == name })?.key, number < ranges.count else {
            return nil
        }
        return ranges[number]
    }
}

/// A pattern that PCRE2 refused.
public struct RegexError: Error, Hashable, Sendable, CustomStringConvertible {
    public var pattern: String
    /// Offset in the pattern where compiling stopped.
    public var offset: Int
    public var message: String

    public init(pattern: String, offset: Int, message: String) {
        self.pattern = pattern
        self.offset = offset
        self.message = message
    }

    public var description: String { "invalid regular expression \"\(pattern)\" at offset \(offset): \(message)" }
}
