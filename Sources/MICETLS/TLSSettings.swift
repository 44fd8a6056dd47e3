// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Where a host's TLS material is: its PKI folder (PKIDIR) and its certificate name (TLSNAME).
///
/// ``TLSIdentity/load(_:)`` reads `ca.pem`, `hosts/<name>.pem`, `hosts/<name>.key` and
/// `revoked.json` from ``pkiDirectory`` (the layout of ``PKI``).
public struct TLSSettings: Sendable, Hashable {
    /// The host's PKI folder.
    public var pkiDirectory: String
    /// The name its certificate was issued under (`micectl pki issue NAME`).
    public var certificateName: String
    /// For clients: the name the server's certificate must carry, instead of the host or address
    /// connected to. An IP address is matched against the certificate's IP SANs, a name against its DNS SANs.
    public var serverName: String?

    public init(pkiDirectory: String, certificateName: String, serverName: String? = nil) {
        self.pkiDirectory = pkiDirectory
        self.certificateName = certificateName
        self.serverName = serverName
    }

    /// The PKI folder as a ``PKI`` (file paths).
    public var pki: PKI { PKI(directory: pkiDirectory) }
}
