// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERegex

/// Compiles rule patterns with PCRE2 (JIT where available).
enum PatternCompiler {
    static func compile(_ pattern: AnalysisRule.Pattern) throws(RegexError) -> PCRERegex {
        var options: PCRERegex.Options = []
        if pattern.isAnchored { options.insert(.anchored) }
        if pattern.isCaseless { options.insert(.caseless) }
        return try PCRERegex(pattern.regex, options: options)
    }
}
