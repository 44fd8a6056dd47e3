// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginKit
import MICEPseudonym
import MICERecords

/// The keyed pseudonymizer: replaces user names, uids, IP addresses, host names and MAC addresses
/// in the log line (and in the structured part of 0.2 records) with stable pseudonyms that only the
/// key reveals (``PseudonymCipher``, ``RecordPseudonymizer``), sets `uiPseudonymized` and
/// recomputes the checksum. `micectl pseudo reveal` turns pseudonyms back into identifiers.
///
/// Replaces the original `mice_mod_psd_symmetric`, which ran before the file type was set (so did
/// nothing), used an all-zero Twofish key and a CFB stream running across identifiers (so
/// pseudonyms were neither stable nor authenticated), and copied `sizeof(char *)` bytes (spec
/// section 7.3.3).
@main
struct PseudonymizerKeyed: PluginModule {
    static let pluginName = "mice-psd-keyed"

    var pseudonymizer: RecordPseudonymizer

    init(context: PluginContext) throws {
        let layout = try context.logFormatLayout()
        let configuration: PseudonymizerConfiguration
        do {
            configuration = try PseudonymizerConfiguration(json: context.config)
        } catch {
            throw PluginConfigError(key: error.key ?? "key", error.message)
        }
        if configuration.keyFileIsExposed {
            PluginLog.warning("key file \(configuration.keySource) is readable by group or others; chmod 600 it")
        }
        let cipher = PseudonymCipher(key: configuration.key)
        pseudonymizer = RecordPseudonymizer(
            layout: layout,
            lines: LinePseudonymizer(
                cipher: cipher, patterns: configuration.patterns, minimumUID: configuration.minimumUID),
            uids: UIDPermutation(key: configuration.key))
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        let before = pseudonymizer.statistics
        do {
            _ = try pseudonymizer.process(input.data, fileType: input.fileType, into: &reply)
        } catch {
            throw PluginCallError(code: PluginErrorCode.badCall, "\(error)")
        }
        let after = pseudonymizer.statistics
        let cut = (after.truncatedLines - before.truncatedLines) + (after.truncatedFields - before.truncatedFields)
        if cut > 0 {
            let total = after.truncatedLines + after.truncatedFields
            if total <= 10 || total % 1000 == 0 {
                PluginLog.warning(
                    "record \(input.id): pseudonyms outgrew a field, cut at its end (\(after.truncatedLines) lines, "
                        + "\(after.truncatedFields) fields so far)")
            }
        }
        return 0
    }

    mutating func shutdown() {
        let counts = pseudonymizer.statistics
        PluginLog.info(
            "\(counts.records) records, \(counts.changed) changed, \(counts.identifiers) identifiers replaced, "
                + "\(counts.truncatedLines) lines and \(counts.truncatedFields) fields cut")
    }
}
