// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginKit
import MICERecords

/// The IDMEF decoder (the original `mice_mod_dec_idmef_twofish`): opens CipherIdmefMsg records
/// (legacy Twofish or plaintext), verifies the IdmefMsgFormat checksum and returns the 10241-byte
/// XML field, as the original BufferDaemon copied it into its ring.
@main
struct DecodeIdmef: PluginModule {
    static let pluginName = "mice-dec-idmef"

    var decoder: EnvelopeDecoder

    init(context: PluginContext) throws {
        decoder = try EnvelopeDecoder(kind: .idmefMessage, context: context)
    }

    var initValue: Int64 { Int64(decoder.envelopeSize) }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        guard let record = try decoder.open(input.data) else { return -1 }
        reply.append(contentsOf: record.prefix(IdmefMsgFormat.messageCapacity))
        return 0
    }
}
