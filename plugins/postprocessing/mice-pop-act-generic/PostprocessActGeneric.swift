// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICECore
import MICEPluginKit
import MICERecords

/// The management host's postprocessor (the original `mice_mod_pop_act_generic`, spec §7.3.7).
///
/// Each call carries the 10241-byte IDMEF field of one decoded CipherIdmefMsg. Every `Alert` in
/// it becomes a row of `alert_entry` (one transaction per input batch; the REPLYs follow the
/// commit); an unparsable message is stored as one row with `parse_status` unparsable and
/// counted. Each alert's classifications are matched against the match files, and one
/// RIDMsgFormat record per triggered reaction goes to that reaction's FIFO through a
/// ``FifoWriter``: bounded queues, non-blocking writes, counted drops. The counters are logged
/// and written to `stats.json` in the state directory.
///
/// Return values: 0 stored, -1 wrong record size, -2 the batch's transaction failed.
@main
struct PostprocessActGeneric: BatchPluginModule {
    static let pluginName = "mice-pop-act-generic"
    static let wrongSize: Int32 = -1
    static let notStored: Int32 = -2

    let settings: ActGenericSettings
    let database: AlertDatabase?
    let writer: FifoWriter
    let statistics: ActGenericStatistics
    var stagedRows: [AlertRow] = []
    var stagedReactions: [(reactionID: Int, record: [UInt8])] = []

    init(context: PluginContext) throws {
        do {
            settings = try ActGenericSettings(
                reactionIDs: try context.strings("reactionIDs"), pipes: try context.strings("pipes"),
                analyzerIDs: try context.strings("analyzers"), matchFiles: try context.strings("matchFiles"),
                pipePath: try context.string("pipePath"), matchPath: try context.string("matchPath"),
                user: try context.string("user"), group: try context.string("group"))
            for fifo in settings.fifos {
                try ReactionFifo.prepare(path: fifo.path, user: settings.user, group: settings.group)
            }
            database =
                try context.bool("store", default: true)
                ? try AlertDatabase(config: context.config, stateDirectory: context.stateDirectory) : nil
        } catch let error as AlertConfigError {
            throw PluginConfigError(key: error.key ?? "matchFiles", error.description)
        }
        for (analyzer, file) in settings.map.matchFiles {
            PluginLog.info("match file \(file.file) for analyzer \(analyzer): \(file.alertIDs.count) alert IDs")
            for entry in file.ignored { PluginLog.warning("\(file.file): \(entry) is not in [ALERT_ID]; ignored") }
        }
        let queueLimit = try context.integer("queueLimit", default: 1000)
        guard (1...1_000_000).contains(queueLimit) else {
            throw PluginConfigError(key: "queueLimit", "\(queueLimit) is out of range (1…1000000)")
        }
        let statistics = ActGenericStatistics(
            path: context.stateDirectory.map { $0 + "/stats.json" }, database: database?.location)
        self.statistics = statistics
        writer = FifoWriter(
            fifos: settings.fifos.map { ($0.reactionID, $0.path) }, queueLimit: Int(queueLimit),
            onDrop: { fifo in
                if fifo.dropped <= 10 || fifo.dropped % 1000 == 0 {
                    PluginLog.warning(
                        "reaction \(fifo.reactionID): \(fifo.path) is full (agent slow or absent); "
                            + "\(fifo.dropped) records dropped so far")
                }
            })
        statistics.start(writer: writer)
        PluginLog.info(
            "\(settings.fifos.count) reaction FIFOs; alerts stored in \(database?.location ?? "nowhere (store = false)")"
        )
    }

    var initValue: Int64 { Int64(IdmefMsgFormat.messageCapacity) }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        guard input.data.count == IdmefMsgFormat.messageCapacity else {
            statistics.count(\.rejected)
            PluginLog.error("call \(input.id): record of \(input.data.count) bytes, expected 10241; not stored")
            return Self.wrongSize
        }
        var message = Array(input.data)
        if let nul = message.firstIndex(of: 0) { message.removeSubrange(nul...) }
        let text = String(decoding: message, as: UTF8.self)
        let now = Date()
        let result = IdmefParser.parse(message)
        statistics.count(result.status)
        if result.status == .unparsable {
            stagedRows.append(AlertRow(receivedAt: now, parseStatus: .unparsable, idmefMessage: text))
            PluginLog.warning("call \(input.id): unparsable IDMEF (\(result.error ?? "?")); stored as such")
            return 0
        }
        for alert in result.alerts {
            let reactions = settings.map.reactions(for: alert)
            let matched = settings.map.alertID(for: alert)
            stagedRows.append(
                AlertRow(
                    receivedAt: now, alertID: matched?.id, alertDescription: matched?.description,
                    classification: alert.classifications.first, analyzerID: alert.analyzerID,
                    alertIdent: alert.ident, createTime: alert.createTime, source: alert.source, target: alert.target,
                    reactions: Array(Set(reactions.map(\.reactionID))).sorted(), parseStatus: result.status,
                    idmefMessage: text))
            for reaction in reactions {
                guard settings.fifo(for: reaction.reactionID) != nil else {
                    statistics.count(\.noFifo)
                    continue
                }
                let record = RIDMsgFormat(
                    idmefMessage: message, alertID: Array(reaction.alertID.utf8),
                    alertIDDescription: Array(reaction.description.utf8), reactionID: Int32(reaction.reactionID))
                stagedReactions.append((reaction.reactionID, record.encode()))
            }
        }
        return 0
    }

    mutating func endBatch(_ batch: inout CallBatch) {
        defer {
            stagedRows.removeAll(keepingCapacity: true)
            stagedReactions.removeAll(keepingCapacity: true)
        }
        if let database, !stagedRows.isEmpty {
            do {
                try database.insert(stagedRows)
                statistics.add(stored: stagedRows.count)
            } catch {
                statistics.count(\.failedBatches)
                PluginLog.error("\(stagedRows.count) alerts not stored (answered \(Self.notStored)): \(error)")
                batch.replaceReturnValues(where: { $0 == 0 }, with: Self.notStored)
            }
        }
        // Reactions do not wait for the database: an alert reacts even while its row cannot be stored.
        for (reactionID, record) in stagedReactions { writer.enqueue(record, reactionID: reactionID) }
        statistics.add(reactions: stagedReactions.count)
    }

    mutating func shutdown() {
        writer.stop()
        statistics.stop(writer: writer)
        database?.close()
        PluginLog.info("shutdown: \(statistics.summary(writer: writer))")
    }
}
