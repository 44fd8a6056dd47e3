// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

/// The counters of one entry: what the stats file shows.
public struct EntryStatistics: Sendable, Hashable {
    /// 1-based entry position.
    public var index: Int
    /// Where it listens.
    public var endpoint: String
    /// acked or legacy.
    public var mode: String
    /// The ring's overflow policy.
    public var overflow: String
    /// Records handed to the decoding module.
    public var received = 0
    /// Records the decoding module refused (bad checksum, wrong key, plaintext refused).
    public var rejected = 0
    /// Records dropped by a drop-* policy (acknowledged all the same; see docs/bufferdaemon.md).
    public var dropped = 0
    /// Records the postprocessing module stored.
    public var stored = 0
    /// Postprocessing failures (each retried).
    public var failures = 0
    /// Postprocessing batches sent.
    public var batches = 0
    /// Records waiting: read from a socket but not yet decoded, plus those in the ring.
    public var queued = 0
    /// Connections open now.
    public var connections = 0
    /// Connections accepted since the start.
    public var connectionsAccepted = 0
    /// Acked resends skipped as already stored (in this process or before, per the watermarks).
    public var duplicatesSkipped = 0
    /// Legacy partial records dropped at the end of a connection.
    public var shortRecords = 0
    /// Connections closed for garbage frames or a refused handshake.
    public var protocolErrors = 0
    /// Connections refused by mutual TLS: no certificate, another CA, a revoked one, not TLS at all.
    public var tlsRefused = 0
    /// Records not stored because the decoding module was down or the daemon stopped first
    /// (acked senders resend them; legacy ones are lost).
    public var abandoned = 0

    public init(index: Int, endpoint: String, mode: String, overflow: String) {
        self.index = index
        self.endpoint = endpoint
        self.mode = mode
        self.overflow = overflow
    }

    /// The stats file's object for this entry.
    public var json: JSONValue {
        [
            "index": .int(Int64(index)), "endpoint": .string(endpoint), "mode": .string(mode),
            "overflow": .string(overflow), "received": .int(Int64(received)), "rejected": .int(Int64(rejected)),
            "dropped": .int(Int64(dropped)), "stored": .int(Int64(stored)), "failures": .int(Int64(failures)),
            "batches": .int(Int64(batches)), "queued": .int(Int64(queued)), "connections": .int(Int64(connections)),
            "connections_accepted": .int(Int64(connectionsAccepted)),
            "duplicates_skipped": .int(Int64(duplicatesSkipped)), "short_records": .int(Int64(shortRecords)),
            "protocol_errors": .int(Int64(protocolErrors)), "tls_refused": .int(Int64(tlsRefused)),
            "abandoned": .int(Int64(abandoned)),
        ]
    }
}
