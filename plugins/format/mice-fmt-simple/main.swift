// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICELogFormat
import MICEPluginKit
import MICERecords

/// The simple format module (the original `mice_mod_fmt_simple`): turns a raw log line into a
/// LogFormat record in the link's layout (seed 1688 bytes or 0.2 6608 bytes) with this host's
/// name, configured domain, address, operating system, and the local date and time of reading.
///
/// Unlike the original, the address is resolved once at start (not per line), the year is
/// formatted by the C library (no "19"/"20" prefix hack), the file type is stored in 0.2 records
/// before the checksum is computed (the original checksummed first, so typed records failed
/// verification), and over-long lines are truncated to the field, never beyond it. The shared
/// part lives in MICELogFormat (``LogRecordBuilder``), which mice-fmt-enhanced uses too.
@main
struct FormatSimple: PluginModule {
    static let pluginName = "mice-fmt-simple"

    var builder: LogRecordBuilder

    init(context: PluginContext) throws {
        builder = LogRecordBuilder(layout: try context.logFormatLayout(), identity: try HostIdentity(context: context))
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        builder.append(line: input.data, fileType: input.fileType ?? 0, to: &reply)
        return 0
    }
}
