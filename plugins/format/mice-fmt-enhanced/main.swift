// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICELogFormat
import MICEPluginKit
import MICERecords

#if canImport(Glibc)
import Glibc
#endif

/// The enhanced format module (the original `mice_mod_fmt_enhanced`): the simple module's record
/// plus, in 0.2 records, the time zone (`cTimezone` "tzname[0] tzname[1]", `iDaylight`) and the
/// structured part: scslog2syslog lines (FTF_SCSLOG) as SCSLogFormat, SuSEfirewall and kernel
/// netfilter lines (FTF_FIREWALL) as FirewallLogFormat (``StructuredLine``).
///
/// Unlike the original, which dropped every line that was neither (plain "file:" lines included,
/// spec section 11, item 17) or did not parse, every line is kept: plain lines without a structured
/// part, typed lines of which nothing parses with an all-zero one (counted and logged). Seed-layout
/// records have no place for the extra fields and carry the line alone.
@main
struct FormatEnhanced: PluginModule {
    static let pluginName = "mice-fmt-enhanced"

    var builder: LogRecordBuilder
    let structured: Bool
    let detectTypes: Bool
    var unparsed = 0
    var incomplete = 0

    init(context: PluginContext) throws {
        let layout = try context.logFormatLayout()
        if let zone = try context.string("timezone", default: nil), !zone.isEmpty {
            // This process's zone: the date, time and zone fields follow it.
            setenv("TZ", zone, 1)
        }
        builder = LogRecordBuilder(
            layout: layout, identity: try HostIdentity(context: context), timezone: LocalTimezone.current())
        structured = layout.hasExtendedFields
        detectTypes = try context.bool("detectTypes", default: false)
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        let fileType = input.fileType ?? LogFormat.FTF_UNKNOWN
        guard structured else {
            builder.append(line: input.data, fileType: fileType, to: &reply)
            return 0
        }
        let line = StructuredLine.read(input.data, fileType: fileType, detectTypes: detectTypes)
        switch line.outcome {
        case .plain: break
        case .parsed(let problems) where !problems.isEmpty:
            incomplete += 1
            if incomplete <= 10 || incomplete % 1000 == 0 {
                PluginLog.warning(
                    "line \(input.id) (type \(line.fileType)), \(incomplete) so far: \(problems.joined(separator: "; "))"
                )
            }
        case .parsed: break
        case .unparsed:
            unparsed += 1
            if unparsed <= 10 || unparsed % 1000 == 0 {
                PluginLog.warning(
                    "line \(input.id) of type \(fileType) has none of its fields (\(unparsed) so far); kept without structured part"
                )
            }
        }
        builder.append(line: input.data, fileType: line.fileType, logType: line.logType, to: &reply)
        return 0
    }
}
