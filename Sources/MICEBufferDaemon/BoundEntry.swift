// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import MICETransport

/// An entry whose listener is bound: what the ready file reports.
public struct BoundEntry: Sendable, Hashable {
    /// 1-based position in the configuration's parallel lists.
    public var index: Int
    /// Where it listens (with the bound port when PORT was 0).
    public var endpoint: LinkEndpoint
    /// The bound TCP port; nil for a Unix socket.
    public var port: Int?
    /// Bytes per record, as the decoding module's `init` announced.
    public var recordSize: Int
    /// acked or legacy.
    public var mode: LinkMode

    public init(index: Int, endpoint: LinkEndpoint, port: Int?, recordSize: Int, mode: LinkMode) {
        self.index = index
        self.endpoint = endpoint
        self.port = port
        self.recordSize = recordSize
        self.mode = mode
    }

    /// `{"index":1,"endpoint":"127.0.0.1:3366","port":3366,"record_size":1712,"mode":"acked"}`
    /// (`port` is null for a Unix socket).
    public var json: JSONValue {
        [
            "index": .int(Int64(index)), "endpoint": .string(endpoint.description),
            "port": port.map { .int(Int64($0)) } ?? .null, "record_size": .int(Int64(recordSize)),
            "mode": .string(mode.rawValue),
        ]
    }
}
