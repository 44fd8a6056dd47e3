// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginKit

#if canImport(Glibc)
import Glibc
#endif

/// The reaction module that replaces the original `mice_mod_rct_dummy`: where that one handed
/// its argument to `system()` (anyone reaching the ReactionDaemon ran commands as root), this one
/// only records the requested countermeasure, to syslog and to the host's log. Nothing is run.
@main
struct ReactionLog: PluginModule {
    static let pluginName = "mice-rct-log"

    let toSyslog: Bool
    /// The original init returned the number of arguments the function takes: one.
    let initValue: Int64 = 1

    init(context: PluginContext) throws {
        if let value = context.config["syslog"], value.boolValue == nil {
            throw PluginConfigError(key: "syslog", "expected a Boolean, found \(value.typeName)")
        }
        toSyslog = context.config["syslog"]?.boolValue ?? true
        if toSyslog { openlog("mice-rct-log", LOG_PID, LOG_DAEMON) }
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        // The argument is a C string in the original: stop at the first NUL; make it printable.
        let argument = input.data.prefix { $0 != 0 }.map { $0 < 0x20 || $0 == 0x7F ? 0x20 : $0 }
        let text = String(decoding: argument, as: UTF8.self)
        PluginLog.info("countermeasure requested (logged only, not executed): \(text)")
        if toSyslog {
            text.withCString { argument in
                withVaList([argument]) { vsyslog(LOG_NOTICE, "M-ICE reaction requested (not executed): %s", $0) }
            }
        }
        return 0
    }

    mutating func shutdown() {
        if toSyslog { closelog() }
    }
}
