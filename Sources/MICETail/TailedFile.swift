// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEConfig

/// A file to follow: its path and the type tag of its DataForwarder FILE entry.
public struct TailedFile: Sendable, Hashable {
    /// The absolute path; it may not exist yet (it is picked up when it appears).
    public var path: String
    /// The type tag; its ``MICEConfig/LogFileTag/fileTypeFlag`` goes with every line.
    public var tag: LogFileTag

    public init(path: String, tag: LogFileTag = .file) {
        self.path = path
        self.tag = tag
    }

    /// The file of a DataForwarder FILE entry.
    public init(_ entry: LogFileEntry) {
        self.init(path: entry.path, tag: entry.tag)
    }
}
