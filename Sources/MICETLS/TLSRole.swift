// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Which end of a connection a TLS handler serves.
public enum TLSRole: Sendable, Hashable {
    /// The listening side: requires a client certificate from the project CA.
    case server
    /// The connecting side: the server's certificate must carry `peerHost` (an IP address is
    /// matched against the IP SANs and the address connected to, a name against the DNS SANs).
    case client(peerHost: String)
}
