// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Which end of a connection a TLS handler serves.
public enum TLSRole: Sendable, Hashable {
    /// The listening side: requires a client certificate from the project CA.
    case server
    /// The connecting side: the server's certificate must carry `peerHost` in its DNS SANs, or
    /// the address actually connected to in its IP SANs (for `peerHost` an IP address, only the latter).
    case client(peerHost: String)
}
