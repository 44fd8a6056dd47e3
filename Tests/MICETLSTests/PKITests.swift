// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETLS
import SwiftASN1
import Testing
import X509

/// The PKI folder: files, modes, certificates' content, revocation, and what TLSIdentity refuses.
@Suite struct PKITests {
    let folder: String

    init() throws {
        folder = "/tmp/mice-pki-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func tlsError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> TLSError? {
        do {
            try body()
            Issue.record("expected a TLSError", sourceLocation: sourceLocation)
        } catch let error as TLSError {
            return error
        } catch {
            Issue.record("expected a TLSError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    @Test("init makes a P-256 CA with the documented files and modes, once")
    func initialize() throws {
        defer { remove() }
        let pki = PKI(directory: folder + "/ca")
        let authority = try pki.initialize(commonName: "Test CA")
        #expect(try mode(pki.directory) == 0o700)
        #expect(try mode(pki.caKeyPath) == 0o600)
        #expect(try mode(pki.caCertificatePath) == 0o644)
        #expect(try mode(pki.revocationListPath) == 0o644)
        #expect(try mode(pki.indexPath) == 0o644)
        let certificate = try Certificate(pemEncoded: String(contentsOfFile: pki.caCertificatePath, encoding: .utf8))
        #expect(certificate.subject == certificate.issuer)
        #expect(try certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        #expect(certificate.signatureAlgorithm == .ecdsaWithSHA256)
        let years = certificate.notValidAfter.timeIntervalSince(certificate.notValidBefore) / (365.25 * 86400)
        #expect(years > 9.9 && years < 10.1)
        #expect(PKIHost.serialText(certificate.serialNumber.bytes) == authority.serial)
        #expect(certificate.publicKey.isValidSignature(certificate.signature, for: certificate))
        #expect(tlsError { try pki.initialize() }?.code == .alreadyInitialized)
    }

    @Test("issue signs a host certificate with SANs, both EKUs and a random serial")
    func issue() throws {
        defer { remove() }
        let pki = PKI(directory: folder + "/ca")
        try pki.initialize()
        let host = try pki.issue(name: "buffer1", dnsNames: ["Buffer.Example"], ipAddresses: ["127.0.0.1", "::1"])
        let other = try pki.issue(name: "fwd1")
        #expect(host.serial != other.serial)
        #expect(try mode(pki.keyPath(for: "buffer1")) == 0o600)
        #expect(try mode(pki.certificatePath(for: "buffer1")) == 0o644)
        let authority = try Certificate(pemEncoded: String(contentsOfFile: pki.caCertificatePath, encoding: .utf8))
        let certificate = try Certificate(
            pemEncoded: String(contentsOfFile: pki.certificatePath(for: "buffer1"), encoding: .utf8))
        #expect(authority.publicKey.isValidSignature(certificate.signature, for: certificate))
        #expect(certificate.issuer == authority.subject)
        #expect(try certificate.extensions.basicConstraints == .notCertificateAuthority)
        let usages = try #require(try certificate.extensions.extendedKeyUsage)
        #expect(usages.contains(.serverAuth) && usages.contains(.clientAuth))
        let names = try #require(try certificate.extensions.subjectAlternativeNames)
        #expect(names.contains(.dnsName("buffer.example")))
        #expect(names.contains(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))))
        #expect(names.count == 3)
        #expect(PKIHost.serialText(certificate.serialNumber.bytes) == host.serial)
        #expect(host.ipAddresses == ["127.0.0.1", "::1"])
        #expect(try pki.list().map(\.name) == ["M-ICE CA", "buffer1", "fwd1"])

        #expect(tlsError { try pki.issue(name: "buffer1") }?.code == .hostExists)
        #expect(tlsError { try pki.issue(name: "../evil") }?.code == .badName)
        #expect(tlsError { try pki.issue(name: "x", ipAddresses: ["300.1.1.1"]) }?.code == .badName)
        #expect(tlsError { try pki.issue(name: "x", dnsNames: ["bad name"]) }?.code == .badName)
        #expect(tlsError { try PKI(directory: folder + "/none").issue(name: "x") }?.code == .notInitialized)
    }

    @Test("revoke lists the serial in revoked.json; the name can be issued again; the list rereads")
    func revoke() throws {
        defer { remove() }
        let pki = PKI(directory: folder + "/ca")
        try pki.initialize()
        let first = try pki.issue(name: "fwd1")
        let list = try RevocationList(path: pki.revocationListPath)
        #expect(!list.isRevoked(serial: first.serial))
        try pki.revoke("fwd1")
        #expect(list.isRevoked(serial: first.serial))
        #expect(try pki.list().first { $0.serial == first.serial }?.isRevoked == true)
        let second = try pki.issue(name: "fwd1")
        #expect(!list.isRevoked(serial: second.serial))
        // By serial as openssl prints it: upper case, colon-separated, leading zero byte.
        let pairs = stride(from: 0, to: second.serial.count, by: 2).map { offset in
            let start = second.serial.index(second.serial.startIndex, offsetBy: offset)
            return String(second.serial[start..<second.serial.index(start, offsetBy: 2)])
        }
        try pki.revoke((["00"] + pairs).joined(separator: ":").uppercased())
        #expect(list.serials == [first.serial, second.serial])
        #expect(tlsError { try pki.revoke("fwd1") }?.code == .hostUnknown)
        #expect(tlsError { try pki.revoke("nobody") }?.code == .hostUnknown)
    }

    @Test("TLSIdentity loads a host's files and refuses open keys, foreign and revoked certificates")
    func identity() throws {
        defer { remove() }
        let pki = PKI(directory: folder + "/ca")
        try pki.initialize()
        try pki.issue(name: "buffer1", ipAddresses: ["127.0.0.1"])
        try pki.issue(name: "fwd1")
        let host = folder + "/host"
        try pki.export(name: "buffer1", to: host)
        #expect(!FileManager.default.fileExists(atPath: host + "/ca.key"))
        #expect(try mode(host + "/hosts/buffer1.key") == 0o600)
        let identity = try TLSIdentity.load(TLSSettings(pkiDirectory: host, certificateName: "buffer1"))
        #expect(identity.serial == (try pki.list().first { $0.name == "buffer1" }?.serial))

        let missing = tlsError { _ = try TLSIdentity.load(TLSSettings(pkiDirectory: host, certificateName: "fwd1")) }
        #expect(missing?.code == .fileMissing)
        #expect(missing?.path == host + "/hosts/fwd1.pem")

        #expect(chmod(pki.keyPath(for: "fwd1"), 0o640) == 0)
        let open = tlsError {
            _ = try TLSIdentity.load(TLSSettings(pkiDirectory: pki.directory, certificateName: "fwd1"))
        }
        #expect(open?.code == .keyPermissions)
        #expect(open?.path == pki.keyPath(for: "fwd1"))
        #expect(chmod(pki.keyPath(for: "fwd1"), 0o600) == 0)

        let other = PKI(directory: folder + "/other")
        try other.initialize()
        try other.issue(name: "fwd1")
        try FileManager.default.removeItem(atPath: other.caCertificatePath)
        try FileManager.default.copyItem(atPath: pki.caCertificatePath, toPath: other.caCertificatePath)
        let foreign = tlsError {
            _ = try TLSIdentity.load(TLSSettings(pkiDirectory: other.directory, certificateName: "fwd1"))
        }
        #expect(foreign?.code == .badCertificate)

        try pki.revoke("fwd1")
        let revoked = tlsError {
            _ = try TLSIdentity.load(TLSSettings(pkiDirectory: pki.directory, certificateName: "fwd1"))
        }
        #expect(revoked?.code == .certificateRevoked)

        let wrongKey = folder + "/mixed"
        try pki.export(name: "buffer1", to: wrongKey)
        try FileManager.default.removeItem(atPath: wrongKey + "/hosts/buffer1.key")
        try FileManager.default.copyItem(atPath: pki.keyPath(for: "fwd1"), toPath: wrongKey + "/hosts/buffer1.key")
        let mismatch = tlsError {
            _ = try TLSIdentity.load(TLSSettings(pkiDirectory: wrongKey, certificateName: "buffer1"))
        }
        #expect(mismatch?.code == .badKey)
    }

    @Test("a corrupt revocation list is an error at load, and keeps the last good list afterwards")
    func corruptList() throws {
        defer { remove() }
        let pki = PKI(directory: folder + "/ca")
        try pki.initialize()
        let host = try pki.issue(name: "fwd1")
        try pki.revoke("fwd1")
        let list = try RevocationList(path: pki.revocationListPath)
        try "not json".write(toFile: pki.revocationListPath, atomically: true, encoding: .utf8)
        #expect(list.isRevoked(serial: host.serial))
        #expect(list.lastError?.code == .badRevocationList)
        #expect(tlsError { _ = try RevocationList(path: pki.revocationListPath) }?.code == .badRevocationList)
    }
}
