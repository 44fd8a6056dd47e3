// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords

extension PluginContext {
    /// The LogFormat layout of this link, from CONFIGURE's `layout`.
    public func logFormatLayout() throws -> LogFormatLayout {
        guard let layout = LogFormatLayout(rawValue: layout) else {
            throw PluginConfigError(key: "layout", "unknown LogFormat layout \"\(layout)\" (seed or 0.2)")
        }
        return layout
    }
}
