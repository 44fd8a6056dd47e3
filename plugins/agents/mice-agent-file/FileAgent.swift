// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICEPluginKit
import MICERecords

/// The file reaction agent (the original `rid_3_save_to_file`, spec §7.5): one entry per
/// RIDMsgFormat record, `AlertID = <id> | AlertID Description = <desc> | IDMEF Msg = <xml>` and a
/// newline, written and flushed per record (the original never flushed).
@main
struct FileAgent: PluginModule {
    static let pluginName = "mice-agent-file"

    let reader: RIDFifoReader

    init(context: PluginContext) throws {
        guard let fifo = try context.string("fifo"), !fifo.isEmpty else {
            throw PluginConfigError(key: "fifo", "the agent's FIFO is required")
        }
        guard let file = try context.string("file"), !file.isEmpty else {
            throw PluginConfigError(key: "file", "the output file is required")
        }
        let descriptor = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw PluginConfigError(key: "file", "\(file): cannot open: \(String(cString: strerror(errno)))")
        }
        do {
            reader = try RIDFifoReader(path: fifo) { record in
                var line = Array("AlertID = ".utf8) + record.alertID + Array(" | AlertID Description = ".utf8)
                line += record.alertIDDescription + Array(" | IDMEF Msg = ".utf8) + record.idmefMessage + [0x0A]
                var offset = 0
                while offset < line.count {
                    let written = line.withUnsafeBytes {
                        write(descriptor, $0.baseAddress! + offset, $0.count - offset)
                    }
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else {
                        PluginLog.error("\(file): write failed: \(String(cString: strerror(errno)))")
                        return
                    }
                    offset += written
                }
            }
        } catch {
            throw PluginConfigError(key: "fifo", error.description)
        }
        PluginLog.info("reading \(fifo), appending to \(file)")
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        throw PluginCallError(code: PluginErrorCode.badCall, "a reaction agent takes no calls")
    }

    mutating func shutdown() {
        reader.stop()
        PluginLog.info("\(reader.recordsRead) records written")
    }
}
