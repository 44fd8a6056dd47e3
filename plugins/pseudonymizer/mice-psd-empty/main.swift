// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginKit

/// The empty pseudonymizer (the original `mice_mod_psd_empty`): leaves every record as it is.
/// An empty REPLY data means "unchanged", so nothing is copied back.
@main
struct PseudonymizerEmpty: PluginModule {
    static let pluginName = "mice-psd-empty"

    init(context: PluginContext) throws {}

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        0
    }
}
