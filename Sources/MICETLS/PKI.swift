// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Crypto
import Foundation
import SwiftASN1
import X509

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The project's certificate authority in a folder: what `micectl pki` manages (docs/tls.md).
///
/// Layout of the folder (created 0700):
///
/// | File | Mode | Content |
/// |---|---|---|
/// | `ca.pem` | 0644 | the CA certificate (ECDSA P-256, self-signed, 10 years by default) |
/// | `ca.key` | 0600 | the CA private key (PKCS#8 PEM); never leaves the CA host |
/// | `hosts/<name>.pem` | 0644 | a host certificate signed by the CA (serverAuth + clientAuth, SANs) |
/// | `hosts/<name>.key` | 0600 | that host's private key (PKCS#8 PEM) |
/// | `revoked.json` | 0644 | revoked serial numbers (``RevocationList``) |
/// | `index.json` | 0644 | every certificate issued (``PKIHost``), revoked ones included |
/// | `.lock` | 0600 | serializes concurrent `micectl pki` runs |
///
/// A host gets `ca.pem`, `revoked.json` and its own `hosts/<name>.pem` and `hosts/<name>.key` in
/// the same layout (its PKIDIR); ``TLSIdentity`` loads exactly those.
public struct PKI: Sendable {
    /// The PKI folder.
    public let directory: String

    /// A PKI in `directory` (nothing is read or created yet).
    public init(directory: String) {
        self.directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
    }

    /// `ca.pem`.
    public var caCertificatePath: String { directory + "/ca.pem" }
    /// `ca.key`.
    public var caKeyPath: String { directory + "/ca.key" }
    /// `hosts/`.
    public var hostsDirectory: String { directory + "/hosts" }
    /// `revoked.json`.
    public var revocationListPath: String { directory + "/revoked.json" }
    /// `index.json`.
    public var indexPath: String { directory + "/index.json" }
    /// `hosts/<name>.pem`.
    public func certificatePath(for name: String) -> String { hostsDirectory + "/" + name + ".pem" }
    /// `hosts/<name>.key`.
    public func keyPath(for name: String) -> String { hostsDirectory + "/" + name + ".key" }

    /// Validity of a new CA, in days.
    public static let defaultAuthorityDays = 3650
    /// Validity of a new host certificate, in days.
    public static let defaultHostDays = 825

    // MARK: - Operations

    /// Creates the CA: an ECDSA P-256 key (`ca.key`, 0600) and a self-signed certificate (`ca.pem`),
    /// an empty `revoked.json` and `index.json`.
    /// - Throws: ``TLSError`` (``TLSError/Code/alreadyInitialized`` when `ca.pem` or `ca.key` exists).
    @discardableResult
    public func initialize(
        commonName: String = "M-ICE CA", days: Int = PKI.defaultAuthorityDays, now: Date = Date()
    ) throws -> PKIHost {
        guard !commonName.isEmpty, commonName.utf8.count <= 64 else {
            throw TLSError(.badName, "the CA's common name must be 1–64 bytes")
        }
        guard (1...36500).contains(days) else { throw TLSError(.badSettings, "days must be 1–36500, not \(days)") }
        try PKIFile.makeDirectory(directory, mode: 0o700)
        return try PKIFile.withLock(directory + "/.lock") { () throws(TLSError) -> PKIHost in
            for path in [caCertificatePath, caKeyPath] where PKIFile.exists(path) {
                throw TLSError(.alreadyInitialized, "the folder already holds a CA", path: path)
            }
            try PKIFile.makeDirectory(hostsDirectory, mode: 0o700)
            let key = P256.Signing.PrivateKey()
            let start = now.addingTimeInterval(-300)
            let end = now.addingTimeInterval(Double(days) * 86400)
            let serial = Certificate.SerialNumber()
            let certificate: Certificate
            do {
                let name = try DistinguishedName {
                    OrganizationName("M-ICE")
                    CommonName(commonName)
                }
                let publicKey = Certificate.PublicKey(key.publicKey)
                certificate = try Certificate(
                    version: .v3, serialNumber: serial, publicKey: publicKey, notValidBefore: start,
                    notValidAfter: end, issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                    extensions: try Certificate.Extensions {
                        Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                        Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                        SubjectKeyIdentifier(hash: publicKey)
                    },
                    issuerPrivateKey: Certificate.PrivateKey(key))
            } catch {
                throw TLSError(.badCertificate, "cannot build the CA certificate: \(error)", path: caCertificatePath)
            }
            try PKIFile.write(key.pemRepresentation + "\n", to: caKeyPath, mode: 0o600)
            try PKIFile.write(try Self.pem(certificate, path: caCertificatePath), to: caCertificatePath, mode: 0o644)
            try PKIFile.write(
                RevocationList.encode(.init(version: 1, revoked: [])), to: revocationListPath, mode: 0o644)
            let authority = PKIHost(
                name: commonName, serial: PKIHost.serialText(serial.bytes), dnsNames: [], ipAddresses: [],
                notBefore: Int64(start.timeIntervalSince1970), notAfter: Int64(end.timeIntervalSince1970),
                isAuthority: true)
            try writeIndex(Index(version: 1, authority: authority, hosts: []))
            return authority
        }
    }

    /// Issues a host certificate signed by the CA: a new P-256 key (`hosts/<name>.key`, 0600), the
    /// certificate (`hosts/<name>.pem`) with common name `name`, the SANs given, extended key usage
    /// serverAuth + clientAuth and a random 159-bit serial number.
    ///
    /// To replace a host's certificate, revoke the old one first.
    /// - Throws: ``TLSError`` (``TLSError/Code/badName``, ``TLSError/Code/hostExists``,
    ///   ``TLSError/Code/notInitialized``).
    @discardableResult
    public func issue(
        name: String, dnsNames: [String] = [], ipAddresses: [String] = [], days: Int = PKI.defaultHostDays,
        now: Date = Date()
    ) throws -> PKIHost {
        try Self.checkName(name)
        guard (1...36500).contains(days) else { throw TLSError(.badSettings, "days must be 1–36500, not \(days)") }
        var names: [GeneralName] = []
        for dns in dnsNames {
            guard Self.isDNSName(dns) else { throw TLSError(.badName, "\"\(dns)\" is not a DNS name") }
            names.append(.dnsName(dns.lowercased()))
        }
        var addresses: [String] = []
        for text in ipAddresses {
            guard let bytes = IPAddressText.bytes(text) else {
                throw TLSError(.badName, "\"\(text)\" is not an IPv4 or IPv6 address")
            }
            names.append(.ipAddress(ASN1OctetString(contentBytes: bytes[...])))
            addresses.append(IPAddressText.text(bytes))
        }
        try requireInitialized()
        return try PKIFile.withLock(directory + "/.lock") { () throws(TLSError) -> PKIHost in
            var index = try readIndex()
            if let existing = index.hosts.first(where: { $0.name == name && !$0.isRevoked }) {
                throw TLSError(
                    .hostExists,
                    "\"\(name)\" has a valid certificate (serial \(existing.serial)); revoke it first to replace it",
                    path: certificatePath(for: name))
            }
            let (authority, authorityKey) = try loadAuthority()
            let key = P256.Signing.PrivateKey()
            let start = now.addingTimeInterval(-300)
            var end = now.addingTimeInterval(Double(days) * 86400)
            if end > authority.notValidAfter { end = authority.notValidAfter }
            let serial = Certificate.SerialNumber()
            let certificate: Certificate
            do {
                let subject = try DistinguishedName {
                    OrganizationName("M-ICE")
                    CommonName(name)
                }
                let publicKey = Certificate.PublicKey(key.publicKey)
                let authorityKeyID = try authority.extensions.subjectKeyIdentifier?.keyIdentifier
                let sans = names
                certificate = try Certificate(
                    version: .v3, serialNumber: serial, publicKey: publicKey, notValidBefore: start,
                    notValidAfter: end, issuer: authority.subject, subject: subject,
                    signatureAlgorithm: .ecdsaWithSHA256,
                    extensions: try Certificate.Extensions {
                        Critical(BasicConstraints.notCertificateAuthority)
                        Critical(KeyUsage(digitalSignature: true))
                        try ExtendedKeyUsage([.serverAuth, .clientAuth])
                        SubjectKeyIdentifier(hash: publicKey)
                        if let authorityKeyID { AuthorityKeyIdentifier(keyIdentifier: authorityKeyID) }
                        if !sans.isEmpty { SubjectAlternativeNames(sans) }
                    },
                    issuerPrivateKey: Certificate.PrivateKey(authorityKey))
            } catch {
                throw TLSError(
                    .badCertificate, "cannot build the certificate of \(name): \(error)",
                    path: certificatePath(for: name))
            }
            try PKIFile.makeDirectory(hostsDirectory, mode: 0o700)
            try PKIFile.write(key.pemRepresentation + "\n", to: keyPath(for: name), mode: 0o600)
            let certificatePath = certificatePath(for: name)
            try PKIFile.write(try Self.pem(certificate, path: certificatePath), to: certificatePath, mode: 0o644)
            let host = PKIHost(
                name: name, serial: PKIHost.serialText(serial.bytes), dnsNames: dnsNames.map { $0.lowercased() },
                ipAddresses: addresses, notBefore: Int64(start.timeIntervalSince1970),
                notAfter: Int64(end.timeIntervalSince1970))
            index.hosts.append(host)
            try writeIndex(index)
            return host
        }
    }

    /// Revokes a host certificate, named by host name (its current certificate) or serial number:
    /// adds it to `revoked.json` and marks it in `index.json`. Copy `revoked.json` to every host
    /// that listens (docs/tls.md); listeners reread it when it changes.
    /// - Throws: ``TLSError`` (``TLSError/Code/hostUnknown`` when nothing valid matches).
    @discardableResult
    public func revoke(_ nameOrSerial: String, now: Date = Date()) throws -> PKIHost {
        try requireInitialized()
        return try PKIFile.withLock(directory + "/.lock") { () throws(TLSError) -> PKIHost in
            var index = try readIndex()
            // A serial as `micectl pki list` prints it, or as openssl does (colons, 0x, leading zeros).
            func digits(_ text: String) -> Substring {
                var text = text.lowercased().replacingOccurrences(of: ":", with: "")
                if text.hasPrefix("0x") { text.removeFirst(2) }
                return Substring(text).drop { $0 == "0" }
            }
            let wanted = digits(nameOrSerial)
            guard
                let position = index.hosts.lastIndex(where: {
                    !$0.isRevoked && ($0.name == nameOrSerial || (!wanted.isEmpty && digits($0.serial) == wanted))
                })
            else {
                throw TLSError(
                    .hostUnknown, "no valid certificate named or numbered \"\(nameOrSerial)\"", path: indexPath)
            }
            let stamp = Int64(now.timeIntervalSince1970)
            index.hosts[position].revokedAt = stamp
            var list =
                PKIFile.exists(revocationListPath)
                ? try RevocationList.load(revocationListPath) : RevocationList.Document(version: 1, revoked: [])
            let host = index.hosts[position]
            if !list.revoked.contains(where: { $0.serial == host.serial }) {
                list.revoked.append(.init(serial: host.serial, name: host.name, revokedAt: stamp))
            }
            try PKIFile.write(RevocationList.encode(list), to: revocationListPath, mode: 0o644)
            try writeIndex(index)
            return host
        }
    }

    /// The CA and every certificate issued, in issue order (the CA first).
    /// - Throws: ``TLSError`` (``TLSError/Code/notInitialized``).
    public func list() throws -> [PKIHost] {
        let index = try readIndex()
        return [index.authority] + index.hosts
    }

    /// Copies what host `name` needs into `destination` in the same layout (its PKIDIR): `ca.pem`,
    /// `revoked.json`, `hosts/<name>.pem` and `hosts/<name>.key` (0600); never `ca.key`. The folder
    /// is created 0755 so a daemon that dropped its privileges can still reread `revoked.json`.
    /// - Throws: ``TLSError`` (``TLSError/Code/hostUnknown`` when `name` has no valid certificate).
    public func export(name: String, to destination: String) throws {
        try Self.checkName(name)
        let target = PKI(directory: destination)
        guard target.directory != directory else {
            throw TLSError(.badSettings, "the destination is the PKI folder itself", path: destination)
        }
        try requireInitialized()
        try PKIFile.withLock(directory + "/.lock") { () throws(TLSError) in
            let index = try readIndex()
            guard index.hosts.contains(where: { $0.name == name && !$0.isRevoked }) else {
                throw TLSError(.hostUnknown, "\"\(name)\" has no valid certificate", path: indexPath)
            }
            try PKIFile.makeDirectory(target.directory, mode: 0o755)
            try PKIFile.makeDirectory(target.hostsDirectory, mode: 0o755)
            try PKIFile.write(try PKIFile.read(caCertificatePath), to: target.caCertificatePath, mode: 0o644)
            let revoked =
                PKIFile.exists(revocationListPath)
                ? try PKIFile.read(revocationListPath)
                : Array(RevocationList.encode(.init(version: 1, revoked: [])).utf8)
            try PKIFile.write(revoked, to: target.revocationListPath, mode: 0o644)
            try PKIFile.write(
                try PKIFile.read(certificatePath(for: name)), to: target.certificatePath(for: name), mode: 0o644)
            try PKIFile.write(try PKIFile.read(keyPath(for: name)), to: target.keyPath(for: name), mode: 0o600)
        }
    }

    // MARK: - Files

    struct Index: Codable {
        var version: Int
        var authority: PKIHost
        var hosts: [PKIHost]
    }

    private func requireInitialized() throws(TLSError) {
        guard PKIFile.exists(indexPath) else {
            throw TLSError(
                .notInitialized, "no CA here yet: run `micectl pki init --dir \(directory)`", path: indexPath)
        }
    }

    private func readIndex() throws(TLSError) -> Index {
        guard PKIFile.exists(indexPath) else {
            throw TLSError(
                .notInitialized, "no CA here yet: run `micectl pki init --dir \(directory)`", path: indexPath)
        }
        do {
            return try JSONDecoder().decode(Index.self, from: Data(try PKIFile.read(indexPath)))
        } catch let error as TLSError {
            throw error
        } catch {
            throw TLSError(.badRevocationList, "not a PKI index: \(error)", path: indexPath)
        }
    }

    private func writeIndex(_ index: Index) throws(TLSError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(index)
        } catch {
            throw TLSError(.fileUnwritable, "cannot encode the index: \(error)", path: indexPath)
        }
        try PKIFile.write(Array(data) + [0x0a], to: indexPath, mode: 0o644)
    }

    private func loadAuthority() throws(TLSError) -> (Certificate, P256.Signing.PrivateKey) {
        guard PKIFile.exists(caKeyPath) else {
            throw TLSError(
                .notInitialized, "the CA key is not here (only the CA host can issue certificates)", path: caKeyPath)
        }
        let certificate = try Self.loadCertificate(caCertificatePath)
        let text = try PKIFile.readText(caKeyPath)
        let key: P256.Signing.PrivateKey
        do {
            key = try P256.Signing.PrivateKey(pemRepresentation: text)
        } catch {
            throw TLSError(.badKey, "not a P-256 private key: \(error)", path: caKeyPath)
        }
        guard Certificate.PublicKey(key.publicKey) == certificate.publicKey else {
            throw TLSError(.badKey, "the CA key does not belong to \(caCertificatePath)", path: caKeyPath)
        }
        return (certificate, key)
    }

    static func loadCertificate(_ path: String) throws(TLSError) -> Certificate {
        let text = try PKIFile.readText(path)
        do {
            return try Certificate(pemEncoded: text)
        } catch {
            throw TLSError(.badCertificate, "not a PEM certificate: \(error)", path: path)
        }
    }

    static func pem(_ certificate: Certificate, path: String) throws(TLSError) -> String {
        do {
            return try certificate.serializeAsPEM().pemString + "\n"
        } catch {
            throw TLSError(.badCertificate, "cannot encode: \(error)", path: path)
        }
    }

    /// Host names are file names and common names: 1–64 of `A–Z a–z 0–9 . _ -`, not starting with `.` or `-`.
    static func checkName(_ name: String) throws(TLSError) {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || byte == 0x2e || byte == 0x5f || byte == 0x2d
        }
        guard allowed, (1...64).contains(name.utf8.count), !name.hasPrefix("."), !name.hasPrefix("-") else {
            throw TLSError(
                .badName, "\"\(name)\" is not a host name: 1–64 of A–Z a–z 0–9 . _ -, not starting with . or -")
        }
    }

    static func isDNSName(_ name: String) -> Bool {
        guard (1...253).contains(name.utf8.count) else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                        || byte == 0x2d || byte == 0x2a
                }
        }
    }
}
