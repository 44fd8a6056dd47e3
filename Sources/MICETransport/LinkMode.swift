// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// How records travel on a link, chosen per link in the configuration (docs/link-protocol.md).
public enum LinkMode: String, Hashable, Sendable, Codable, CaseIterable {
    /// What original peers send and accept: back-to-back records of one fixed size, no header, no
    /// acknowledgement. A sender counts a record delivered once it is written to the socket, so a
    /// receiver that crashes may lose what was in flight, as with the original.
    case legacy
    /// Both ends are this project's: LINK_HELLO/LINK_READY handshake, RECORD frames with sequence
    /// numbers, cumulative ACKs once records are durable, resend after reconnect, deduplication.
    case acked
}
