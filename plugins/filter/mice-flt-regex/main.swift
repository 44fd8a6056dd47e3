// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginKit
import MICERecords
import MICERegex

/// The regex filter (the original `mice_mod_flt_regex`): drops a record whose log data matches
/// any configured rule. PCRE2 with JIT replaces GNU regex; the rules are compiled once, not per
/// line. `anchored: true` gives the original's matching at the start of the line only (its
/// rules therefore begin with `.*`). Binary LAuS records are kept untouched (return -1, as the
/// original did for types it could not read).
@main
struct FilterRegex: PluginModule {
    static let pluginName = "mice-flt-regex"

    let layout: LogFormatLayout
    let rules: [PCRERegex]

    init(context: PluginContext) throws {
        layout = try context.logFormatLayout()
        let anchored = try context.bool("anchored", default: false)
        let caseless = try context.bool("caseless", default: false)
        var options: PCRERegex.Options = []
        if anchored { options.insert(.anchored) }
        if caseless { options.insert(.caseless) }
        rules = try context.strings("rules").enumerated().map { index, pattern in
            do throws(RegexError) {
                return try PCRERegex(pattern, options: options)
            } catch {
                throw PluginConfigError(key: "rules[\(index)]", error.description)
            }
        }
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        if input.fileType == LogFormat.FTF_LAUS { return -1 }
        let data: UnsafeRawBufferPointer
        do {
            data = try LogFormat.logData(in: input.data, layout: layout)
        } catch {
            throw PluginCallError(code: PluginErrorCode.badCall, "\(error)")
        }
        for rule in rules where rule.matches(data) {
            return 1
        }
        return 0
    }
}
