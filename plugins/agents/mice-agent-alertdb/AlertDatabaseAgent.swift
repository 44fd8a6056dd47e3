// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICEPluginKit
import MICERecords

/// The alert-database reaction agent (the original `rid_2_send_to_alert_db`, spec §7.5): every
/// RIDMsgFormat record becomes a row of `alert_entry` with the record's alert ID and description
/// and the columns parsed from its IDMEF; parameterized statements only (the original escaped the
/// XML alone). A record that cannot be stored is logged and skipped.
@main
struct AlertDatabaseAgent: PluginModule {
    static let pluginName = "mice-agent-alertdb"

    let reader: RIDFifoReader
    let database: AlertDatabase

    init(context: PluginContext) throws {
        guard let fifo = try context.string("fifo"), !fifo.isEmpty else {
            throw PluginConfigError(key: "fifo", "the agent's FIFO is required")
        }
        let database: AlertDatabase
        do {
            database = try AlertDatabase(config: context.config, stateDirectory: context.stateDirectory)
        } catch {
            throw PluginConfigError(key: error.key ?? "backend", error.description)
        }
        self.database = database
        do {
            reader = try RIDFifoReader(path: fifo) { record in
                let text = String(decoding: record.idmefMessage, as: UTF8.self)
                let result = IdmefParser.parse(record.idmefMessage)
                let alert = result.alerts.first ?? IdmefAlert()
                let row = AlertRow(
                    receivedAt: Date(), alertID: String(decoding: record.alertID, as: UTF8.self),
                    alertDescription: String(decoding: record.alertIDDescription, as: UTF8.self),
                    classification: alert.classifications.first, analyzerID: alert.analyzerID, alertIdent: alert.ident,
                    createTime: alert.createTime, source: alert.source, target: alert.target,
                    reactions: [Int(record.reactionID)], parseStatus: result.status, idmefMessage: text)
                do {
                    try database.insert([row])
                } catch {
                    PluginLog.error("alert not stored: \(error)")
                }
            }
        } catch {
            throw PluginConfigError(key: "fifo", error.description)
        }
        PluginLog.info("reading \(fifo), storing into \(database.location)")
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        throw PluginCallError(code: PluginErrorCode.badCall, "a reaction agent takes no calls")
    }

    mutating func shutdown() {
        reader.stop()
        database.close()
        PluginLog.info("\(reader.recordsRead) records read")
    }
}
