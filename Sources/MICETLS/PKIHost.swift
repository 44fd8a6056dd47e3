// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A certificate the project CA issued: one entry of the PKI's `index.json`.
public struct PKIHost: Codable, Hashable, Sendable {
    /// The host's name: its certificate's common name and the base name of its files.
    public var name: String
    /// The certificate's serial number, lower-case hex without leading zero bytes.
    public var serial: String
    /// DNS names in the subject alternative name.
    public var dnsNames: [String]
    /// IP addresses (text form) in the subject alternative name.
    public var ipAddresses: [String]
    /// Start of validity, seconds since 1970.
    public var notBefore: Int64
    /// End of validity, seconds since 1970.
    public var notAfter: Int64
    /// When the certificate was revoked (seconds since 1970), nil while it is valid.
    public var revokedAt: Int64?
    /// True for the CA's own certificate.
    public var isAuthority: Bool

    public init(
        name: String, serial: String, dnsNames: [String], ipAddresses: [String], notBefore: Int64, notAfter: Int64,
        revokedAt: Int64? = nil, isAuthority: Bool = false
    ) {
        self.name = name
        self.serial = serial
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.revokedAt = revokedAt
        self.isAuthority = isAuthority
    }

    /// Whether the certificate is on the revocation list.
    public var isRevoked: Bool { revokedAt != nil }

    /// A serial number as ``serial`` spells it: lower-case hex of the magnitude, leading zero bytes dropped.
    public static func serialText(_ bytes: some Collection<UInt8>) -> String {
        let digits = "0123456789abcdef".map { $0 }
        var text = ""
        for byte in bytes.drop(while: { $0 == 0 }) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return text.isEmpty ? "00" : text
    }
}
