// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import CHyperscan

#if canImport(Glibc)
import Glibc
#endif

/// All patterns of a ruleset in one Hyperscan database, scanned once per line.
///
/// Patterns are compiled in prefilter mode: Hyperscan then accepts more PCRE constructs by
/// over-approximating them, so a reported pattern *may* match and PCRE2 decides, while an
/// unreported pattern certainly does not match. Patterns Hyperscan refuses even so are
/// "fallback" patterns: they count as candidates on every line and PCRE2 alone decides.
final class HyperscanPrefilter {
    private var database: OpaquePointer?
    private var scratch: OpaquePointer?
    /// Per pattern: whether Hyperscan handles it.
    private(set) var isSupported: [Bool]
    /// Why Hyperscan refused each fallback pattern.
    private(set) var refusals: [Int: String] = [:]

    init(patterns: [AnalysisRule.Pattern]) throws(AnalysisError) {
        isSupported = Array(repeating: false, count: patterns.count)
        var candidates: [Int] = []
        for (index, pattern) in patterns.enumerated() {
            var info: UnsafeMutablePointer<hs_expr_info_t>?
            var error: UnsafeMutablePointer<hs_compile_error_t>?
            let status = hs_expression_info(pattern.regex, Self.flags(pattern), &info, &error)
            if status == HS_SUCCESS {
                candidates.append(index)
                free(info)
            } else {
                refusals[index] = error.map { String(cString: $0.pointee.message) } ?? "refused"
                hs_free_compile_error(error)
            }
        }
        while !candidates.isEmpty {
            var compileError: UnsafeMutablePointer<hs_compile_error_t>?
            var built: OpaquePointer?
            let expressions = candidates.map { strdup(patterns[$0].regex) }
            defer { expressions.forEach { free($0) } }
            let flags = candidates.map { Self.flags(patterns[$0]) }
            let ids = candidates.map { UInt32($0) }
            let constExpressions: [UnsafePointer<CChar>?] = expressions.map { UnsafePointer($0) }
            let status = constExpressions.withUnsafeBufferPointer { expressionBuffer in
                flags.withUnsafeBufferPointer { flagBuffer in
                    ids.withUnsafeBufferPointer { idBuffer in
                        hs_compile_multi(
                            expressionBuffer.baseAddress, flagBuffer.baseAddress, idBuffer.baseAddress,
                            UInt32(candidates.count), UInt32(HS_MODE_BLOCK), nil, &built, &compileError)
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
            guard failed >= 0, failed < candidates.count else {
                throw AnalysisError(.matcher, file: "hyperscan", line: 0, message)
            }
            refusals[candidates[failed]] = message
            candidates.remove(at: failed)
        }
        for index in candidates where database != nil { isSupported[index] = true }
        if let database, hs_alloc_scratch(database, &scratch) != HS_SUCCESS {
            throw AnalysisError(.matcher, file: "hyperscan", line: 0, "cannot allocate scratch space")
        }
    }

    deinit {
        if let scratch { hs_free_scratch(scratch) }
        if let database { hs_free_database(database) }
    }

    private static func flags(_ pattern: AnalysisRule.Pattern) -> UInt32 {
        var flags = UInt32(HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY | HS_FLAG_PREFILTER)
        if pattern.isCaseless { flags |= UInt32(HS_FLAG_CASELESS) }
        return flags
    }

    /// Sets bit N of `bits` for every pattern N that may match `line`.
    func scan(_ line: UnsafeRawBufferPointer, into bits: UnsafeMutablePointer<UInt64>) {
        guard let database, let scratch, let base = line.baseAddress else { return }
        _ = hs_scan(
            database, base.assumingMemoryBound(to: CChar.self), UInt32(min(line.count, Int(UInt32.max))), 0, scratch,
            { id, _, _, _, context in
                let words = context!.assumingMemoryBound(to: UInt64.self)
                words[Int(id) >> 6] |= 1 << UInt64(id & 63)
                return 0
            }, bits)
    }
}
