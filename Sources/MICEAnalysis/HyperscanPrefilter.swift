// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import CHyperscan

#if canImport(Glibc)
import Glibc
#endif

/// All patterns of a ruleset in one Hyperscan database, scanned once per line.
///
/// A pattern with required literals (``RequiredLiterals``: `Failed (\S+) for` needs "Failed "
/// and " for") is represented by those literals: Hyperscan's literal matchers find all of them
/// in one pass far faster than it runs hundreds of regex automata, and the pattern may match
/// when every clause has a literal in the line. Other patterns are compiled as regexes in
/// prefilter mode: Hyperscan then accepts more PCRE constructs by over-approximating them. Either
/// way a pattern reported *may* match and PCRE2 decides, while a pattern not reported certainly
/// does not match. Patterns Hyperscan refuses even so are "fallback" patterns: they count as
/// candidates on every line and PCRE2 alone decides.
final class HyperscanPrefilter {
    private var database: OpaquePointer?
    private var scratch: OpaquePointer?
    /// Per pattern: whether Hyperscan handles it (by literals or as a regex).
    private(set) var isSupported: [Bool]
    /// Why Hyperscan refused each fallback pattern.
    private(set) var refusals: [Int: String] = [:]
    /// Patterns represented by their required literals.
    let literalPatterns: Int
    /// Distinct literals in the database.
    let literalCount: Int
    /// Bits a scan may set: one per literal, then one per pattern (at `literalCount + pattern`).
    let bitCount: Int
    /// What the scan's bits say about each pattern (owned by this prefilter).
    let table: Table
    /// Literals Hyperscan refused: counted as present in every line.
    private var alwaysPresent: [Int] = []

    init(patterns: [AnalysisRule.Pattern]) throws(AnalysisError) {
        isSupported = Array(repeating: false, count: patterns.count)
        struct Literal: Hashable {
            var bytes: [UInt8]
            var isCaseless: Bool
        }
        var literalIndex: [Literal: Int] = [:]
        var literals: [Literal] = []
        var clauseBounds: [Int32] = [0]
        var clauseLiterals: [Int32] = []
        var literalBounds: [Int32] = [0]
        var regexCandidates: [Int] = []
        var byLiterals = 0
        for (index, pattern) in patterns.enumerated() {
            if let required = RequiredLiterals.of(pattern.regex) {
                byLiterals += 1
                isSupported[index] = true
                for clause in required.clauses {
                    for bytes in clause {
                        let literal = Literal(bytes: bytes, isCaseless: pattern.isCaseless)
                        if literalIndex[literal] == nil {
                            literalIndex[literal] = literals.count
                            literals.append(literal)
                        }
                        clauseLiterals.append(Int32(literalIndex[literal]!))
                    }
                    literalBounds.append(Int32(clauseLiterals.count))
                }
            } else {
                var info: UnsafeMutablePointer<hs_expr_info_t>?
                var error: UnsafeMutablePointer<hs_compile_error_t>?
                if hs_expression_info(pattern.regex, Self.flags(pattern), &info, &error) == HS_SUCCESS {
                    regexCandidates.append(index)
                    free(info)
                } else {
                    refusals[index] = error.map { String(cString: $0.pointee.message) } ?? "refused"
                    hs_free_compile_error(error)
                }
            }
            clauseBounds.append(Int32(literalBounds.count - 1))
        }
        literalPatterns = byLiterals
        literalCount = literals.count
        bitCount = literals.count + patterns.count
        table = Table(
            literalCount: literals.count, clauseStart: clauseBounds, literalStart: literalBounds,
            literalIDs: clauseLiterals)

        // Expressions: literals (id = literal index), then regexes (id = literalCount + pattern).
        var expressions = literals.map { Self.expression(for: $0.bytes) }
        var flags = literals.map { UInt32(HS_FLAG_SINGLEMATCH) | ($0.isCaseless ? UInt32(HS_FLAG_CASELESS) : 0) }
        var ids = literals.indices.map { UInt32($0) }
        for index in regexCandidates {
            expressions.append(patterns[index].regex)
            flags.append(Self.flags(patterns[index]))
            ids.append(UInt32(literals.count + index))
        }
        while !expressions.isEmpty {
            var compileError: UnsafeMutablePointer<hs_compile_error_t>?
            var built: OpaquePointer?
            let copies = expressions.map { strdup($0) }
            defer { copies.forEach { free($0) } }
            let constCopies: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
            let status = constCopies.withUnsafeBufferPointer { expressionBuffer in
                flags.withUnsafeBufferPointer { flagBuffer in
                    ids.withUnsafeBufferPointer { idBuffer in
                        hs_compile_multi(
                            expressionBuffer.baseAddress, flagBuffer.baseAddress, idBuffer.baseAddress,
                            UInt32(expressions.count), UInt32(HS_MODE_BLOCK), nil, &built, &compileError)
                    }
                }
            }
            if status == HS_SUCCESS, let built {
                database = built
                break
            }
            let failed = compileError.map { Int($0.pointee.expression) } ?? -1
            let message = compileError.map { String(cString: $0.pointee.message) } ?? "compile failed"
            hs_free_compile_error(compileError)
            guard failed >= 0, failed < expressions.count else {
                throw AnalysisError(.matcher, file: "hyperscan", line: 0, message)
            }
            let id = Int(ids[failed])
            if id < literals.count {
                alwaysPresent.append(id)
            } else {
                refusals[id - literals.count] = message
            }
            expressions.remove(at: failed)
            flags.remove(at: failed)
            ids.remove(at: failed)
        }
        for id in ids where database != nil && Int(id) >= literals.count {
            isSupported[Int(id) - literals.count] = true
        }
        if database == nil {
            // Nothing compiled: every literal counts as present.
            alwaysPresent = Array(literals.indices)
        } else if let database, hs_alloc_scratch(database, &scratch) != HS_SUCCESS {
            throw AnalysisError(.matcher, file: "hyperscan", line: 0, "cannot allocate scratch space")
        }
    }

    deinit {
        if let scratch { hs_free_scratch(scratch) }
        if let database { hs_free_database(database) }
        table.deallocate()
    }

    private static func flags(_ pattern: AnalysisRule.Pattern) -> UInt32 {
        var flags = UInt32(HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY | HS_FLAG_PREFILTER)
        if pattern.isCaseless { flags |= UInt32(HS_FLAG_CASELESS) }
        return flags
    }

    /// `bytes` as a Hyperscan expression matching exactly them.
    private static func expression(for bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes {
            if RequiredLiterals.isAlphanumeric(byte) {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16)
                text += "\\x" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return text
    }

    /// Sets the bits of every literal found in `line` and of every regex pattern that may match
    /// it (`bits` holds ``bitCount`` bits, cleared by the caller).
    func scan(_ line: UnsafeRawBufferPointer, into bits: UnsafeMutablePointer<UInt64>) {
        for id in alwaysPresent { bits[id >> 6] |= 1 << UInt64(id & 63) }
        guard let database, let scratch, let base = line.baseAddress else { return }
        _ = hs_scan(
            database, base.assumingMemoryBound(to: CChar.self), UInt32(min(line.count, Int(UInt32.max))), 0, scratch,
            { id, _, _, _, context in
                let words = context!.assumingMemoryBound(to: UInt64.self)
                words[Int(id) >> 6] |= 1 << UInt64(id & 63)
                return 0
            }, bits)
    }

    /// Per pattern, how the scan's bits tell whether it may match: plain pointers, so that the
    /// engine's hot path reads them without reference counting.
    struct Table {
        let literalCount: Int
        /// Per pattern: its clauses at `clauseStart[p]..<clauseStart[p + 1]` (none: a regex bit).
        private let clauseStart: UnsafeMutablePointer<Int32>
        /// Per clause: its literal ids at `literalStart[c]..<literalStart[c + 1]`.
        private let literalStart: UnsafeMutablePointer<Int32>
        private let literalIDs: UnsafeMutablePointer<Int32>
        /// Per pattern: the one bit that decides it (its regex, or its only clause's only
        /// literal), or -1 when it has several clauses or literals.
        private let decidingBit: UnsafeMutablePointer<Int32>

        fileprivate init(literalCount: Int, clauseStart: [Int32], literalStart: [Int32], literalIDs: [Int32]) {
            self.literalCount = literalCount
            let patterns = clauseStart.count - 1
            decidingBit = .allocate(capacity: max(1, patterns))
            for pattern in 0..<patterns {
                let (first, end) = (Int(clauseStart[pattern]), Int(clauseStart[pattern + 1]))
                if first == end {
                    decidingBit[pattern] = Int32(literalCount + pattern)
                } else if end - first == 1 && literalStart[first + 1] - literalStart[first] == 1 {
                    decidingBit[pattern] = literalIDs[Int(literalStart[first])]
                } else {
                    decidingBit[pattern] = -1
                }
            }
            self.clauseStart = .allocate(capacity: clauseStart.count)
            self.clauseStart.initialize(from: clauseStart, count: clauseStart.count)
            self.literalStart = .allocate(capacity: literalStart.count)
            self.literalStart.initialize(from: literalStart, count: literalStart.count)
            self.literalIDs = .allocate(capacity: max(1, literalIDs.count))
            self.literalIDs.initialize(from: literalIDs, count: literalIDs.count)
        }

        fileprivate func deallocate() {
            clauseStart.deallocate()
            literalStart.deallocate()
            literalIDs.deallocate()
            decidingBit.deallocate()
        }

        /// Whether supported pattern `pattern` may match the line whose scan set `bits`.
        @inline(__always)
        func mayMatch(_ pattern: Int, _ bits: UnsafePointer<UInt64>) -> Bool {
            let deciding = Int(decidingBit[pattern])
            if deciding >= 0 { return Self.isSet(deciding, bits) }
            for clause in Int(clauseStart[pattern])..<Int(clauseStart[pattern + 1]) {
                var found = false
                for position in Int(literalStart[clause])..<Int(literalStart[clause + 1])
                where Self.isSet(Int(literalIDs[position]), bits) {
                    found = true
                    break
                }
                if !found { return false }
            }
            return true
        }

        @inline(__always)
        private static func isSet(_ bit: Int, _ bits: UnsafePointer<UInt64>) -> Bool {
            bits[bit >> 6] & (1 << UInt64(bit & 63)) != 0
        }
    }
}
