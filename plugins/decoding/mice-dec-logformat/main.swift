// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginKit
import MICERecords

/// The LogFormat decoder (the original `mice_mod_dec_logformat_twofish`): opens CipherMsg
/// records (legacy Twofish or plaintext), verifies the LogFormat checksum (also for plaintext,
/// which the original skipped) and returns the record. Accepts the checksum of original
/// DataForwarders, which computed it before setting uiFileType.
@main
struct DecodeLogFormat: PluginModule {
    static let pluginName = "mice-dec-logformat"

    var decoder: EnvelopeDecoder

    init(context: PluginContext) throws {
        decoder = try EnvelopeDecoder(kind: .logFormat(try context.logFormatLayout()), context: context)
    }

    var initValue: Int64 { Int64(decoder.envelopeSize) }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        guard let record = try decoder.open(input.data) else { return -1 }
        reply.append(contentsOf: record)
        return 0
    }
}
