// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginKit
import MICERecords

#if canImport(Glibc)
import Glibc
#endif

/// Postprocessing to syslog (the original `mice_mod_pop_syslog`): writes each decoded LogFormat
/// record to the local syslog as "host date time: log data", with control bytes made printable.
@main
struct PostprocessSyslog: PluginModule {
    static let pluginName = "mice-pop-syslog"

    let layout: LogFormatLayout
    let priority: Int32

    init(context: PluginContext) throws {
        layout = try context.logFormatLayout()
        let level = try context.string("priority", default: "info") ?? "info"
        let levels: [String: Int32] = [
            "debug": LOG_DEBUG, "info": LOG_INFO, "notice": LOG_NOTICE, "warning": LOG_WARNING,
        ]
        guard let priority = levels[level] else {
            throw PluginConfigError(key: "priority", "unknown priority \"\(level)\" (debug, info, notice, warning)")
        }
        self.priority = priority
        openlog(try context.string("ident", default: "mice-pop-syslog") ?? "mice-pop-syslog", LOG_PID, LOG_DAEMON)
    }

    var initValue: Int64 { Int64(layout.size) }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        let record: LogFormat
        do {
            record = try LogFormat(decoding: input.data, layout: layout)
        } catch {
            throw PluginCallError(code: PluginErrorCode.badCall, "\(error)")
        }
        let text =
            [record.host, record.date, record.time].map(Self.printable).joined(separator: " ")
            + ": " + Self.printable(record.logData)
        text.withCString { line in
            withVaList([line]) { vsyslog(priority, "%s", $0) }
        }
        return 0
    }

    mutating func shutdown() {
        closelog()
    }

    static func printable(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.map { $0 < 0x20 || $0 == 0x7F ? 0x20 : $0 }, as: UTF8.self)
    }
}
