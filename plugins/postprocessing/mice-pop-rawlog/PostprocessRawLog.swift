// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEPluginKit
import MICERecords
import MICEStore

/// Postprocessing into the raw-log database (the original `mice_mod_pop_mysql`): every decoded
/// LogFormat record becomes a row of `rawlog_line`, `scslog_line` or `firewall_line`, in SQLite
/// (default) or PostgreSQL, with parameterized statements only.
///
/// The calls of one input read form one transaction; their REPLYs are written after the commit,
/// so a return value of 0 means "committed". Return values: 0 stored, -1 the record has the wrong
/// size (not stored), -2 the batch's transaction failed (nothing of it stored; the sender may
/// retry). Failures are logged.
@main
struct PostprocessRawLog: BatchPluginModule {
    static let pluginName = "mice-pop-rawlog"

    /// The record was not the link's LogFormat size.
    static let wrongSize: Int32 = -1
    /// The batch's transaction did not commit.
    static let notStored: Int32 = -2

    let layout: LogFormatLayout
    let database: RawLogDatabase
    /// The batch's records as they arrived (a copy each): the SQLite store binds from these bytes.
    var staged: EncodedLogFormats
    var rejected = 0
    var failedBatches = 0
    var storedRecords = 0
    var transactions = 0

    init(context: PluginContext) throws {
        layout = try context.logFormatLayout()
        database = try RawLogDatabase(context: context)
        staged = EncodedLogFormats(layout: layout, reservingCapacity: Self.maxBatchCalls)
    }

    var initValue: Int64 { Int64(layout.size) }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        guard staged.append(input.data) else {
            rejected += 1
            if rejected <= 10 || rejected % 1000 == 0 {
                PluginLog.error(
                    "call \(input.id): record of \(input.data.count) bytes, the \(layout.rawValue) layout has "
                        + "\(layout.size); not stored (\(rejected) rejected so far)")
            }
            return Self.wrongSize
        }
        // A LAuS record is binary: the store keeps its whole log data field (EncodedLogFormats).
        return 0
    }

    mutating func endBatch(_ batch: inout CallBatch) {
        guard !staged.isEmpty else { return }
        defer { staged.removeAll() }
        do {
            try database.insert(staged)
            storedRecords += staged.count
            transactions += 1
            if failedBatches > 0 {
                PluginLog.info("\(database.location): storing works again after \(failedBatches) failed batches")
                failedBatches = 0
            }
        } catch {
            failedBatches += 1
            PluginLog.error("\(staged.count) records not stored (answered \(Self.notStored)): \(error)")
            batch.replaceReturnValues(where: { $0 == 0 }, with: Self.notStored)
        }
    }

    mutating func shutdown() {
        database.close()
        PluginLog.info(
            "stored \(storedRecords) records in \(transactions) transactions; \(rejected) records rejected; "
                + "\(failedBatches) failed batches at the end")
    }
}
