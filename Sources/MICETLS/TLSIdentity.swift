// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// A host's loaded TLS material and the mutual-TLS contexts made from it.
///
/// Both contexts trust the project CA only (no system roots), require TLS 1.2 at least (1.3 is
/// negotiated between this project's peers) and verify the peer fully:
/// - server: a client certificate is required and must chain to the CA (no name check: any host
///   of the PKI may connect);
/// - client: the server's certificate must chain to the CA and either carry the expected DNS name
///   in its DNS SANs or the address actually connected to in its IP SANs
///   (``TLSRole/client(peerHost:)``; NIOSSL's identity check).
///
/// Revocation: swift-nio-ssl has no CRL API, so the handler runs an additional check after
/// BoringSSL's verification and the name check, **inside the handshake**: the peer's leaf serial
/// number is looked up in `revoked.json` (``RevocationList``, reread when it changes). A revoked peer
/// fails the handshake; the connection is closed before the handshake-completed event, so no
/// application record from it reaches the pipeline behind the TLS handler.
///
/// ```swift
/// let identity = try TLSIdentity.load(TLSSettings(pkiDirectory: "/etc/M-ICE/pki", certificateName: "buffer1"))
/// // in a channel initializer, before the protocol handlers:
/// try identity.addHandler(to: channel.pipeline.syncOperations, role: .server)
/// ```
public final class TLSIdentity: Sendable {
    /// Where the material came from.
    public let settings: TLSSettings
    /// This host's certificate serial number (``PKIHost/serialText(_:)``).
    public let serial: String
    /// The end of this host's certificate's validity.
    public let notValidAfter: Date
    /// The revocation list peers are checked against.
    public let revocations: RevocationList
    /// The context for listeners.
    public let serverContext: NIOSSLContext
    /// The context for outgoing connections.
    public let clientContext: NIOSSLContext

    private init(
        settings: TLSSettings, serial: String, notValidAfter: Date, revocations: RevocationList,
        serverContext: NIOSSLContext, clientContext: NIOSSLContext
    ) {
        self.settings = settings
        self.serial = serial
        self.notValidAfter = notValidAfter
        self.revocations = revocations
        self.serverContext = serverContext
        self.clientContext = clientContext
    }

    /// Reads and checks the material: the CA certificate, this host's certificate (signed by the CA,
    /// valid now, not revoked) and its key (mode without group/other bits, matching the certificate),
    /// the revocation list; then makes both contexts.
    /// - Throws: ``TLSError`` naming the file.
    public static func load(_ settings: TLSSettings, now: Date = Date()) throws -> TLSIdentity {
        try PKI.checkName(settings.certificateName)
        let pki = settings.pki
        let caPath = pki.caCertificatePath
        let certificatePath = pki.certificatePath(for: settings.certificateName)
        let keyPath = pki.keyPath(for: settings.certificateName)
        let authority = try PKI.loadCertificate(caPath)
        let certificate = try PKI.loadCertificate(certificatePath)
        guard certificate.issuer == authority.subject,
            authority.publicKey.isValidSignature(certificate.signature, for: certificate)
        else {
            throw TLSError(.badCertificate, "not signed by the CA in \(caPath)", path: certificatePath)
        }
        guard certificate.notValidBefore <= now, now < certificate.notValidAfter else {
            throw TLSError(
                .badCertificate, "valid from \(certificate.notValidBefore) to \(certificate.notValidAfter) only",
                path: certificatePath)
        }
        guard let keyStatus = try PKIFile.status(keyPath) else {
            throw TLSError(.fileMissing, "no such file", path: keyPath)
        }
        guard keyStatus.mode & 0o077 == 0 else {
            throw TLSError(
                .keyPermissions,
                "mode \(String(keyStatus.mode, radix: 8)): a private key must not be readable by group or others (chmod 600)",
                path: keyPath)
        }
        let keyText = try PKIFile.readText(keyPath)
        do {
            let key = try Certificate.PrivateKey(pemEncoded: keyText)
            guard key.publicKey == certificate.publicKey else {
                throw TLSError(.badKey, "does not belong to \(certificatePath)", path: keyPath)
            }
        } catch let error as TLSError {
            throw error
        } catch {
            throw TLSError(.badKey, "not a PEM private key: \(error)", path: keyPath)
        }
        let revocations = try RevocationList(path: pki.revocationListPath)
        let serial = PKIHost.serialText(certificate.serialNumber.bytes)
        if revocations.isRevoked(serial: serial) {
            throw TLSError(
                .certificateRevoked, "this host's own certificate (serial \(serial)) is revoked",
                path: pki.revocationListPath)
        }

        let sslAuthority: NIOSSLCertificate
        let sslCertificate: NIOSSLCertificate
        let sslKey: NIOSSLPrivateKey
        do {
            sslAuthority = try NIOSSLCertificate(bytes: Array(try PKIFile.read(caPath)), format: .pem)
        } catch {
            throw TLSError(.contextFailed, "NIOSSL cannot read it: \(error)", path: caPath)
        }
        do {
            sslCertificate = try NIOSSLCertificate(bytes: Array(try PKIFile.read(certificatePath)), format: .pem)
        } catch {
            throw TLSError(.contextFailed, "NIOSSL cannot read it: \(error)", path: certificatePath)
        }
        do {
            sslKey = try NIOSSLPrivateKey(bytes: Array(keyText.utf8), format: .pem)
        } catch {
            throw TLSError(.contextFailed, "NIOSSL cannot read it: \(error)", path: keyPath)
        }

        var server = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(sslCertificate)], privateKey: .privateKey(sslKey))
        server.trustRoots = .certificates([sslAuthority])
        server.certificateVerification = .noHostnameVerification
        server.minimumTLSVersion = .tlsv12
        server.maximumTLSVersion = .tlsv13
        server.renegotiationSupport = .none

        var client = TLSConfiguration.makeClientConfiguration()
        client.certificateChain = [.certificate(sslCertificate)]
        client.privateKey = .privateKey(sslKey)
        client.trustRoots = .certificates([sslAuthority])
        client.certificateVerification = .fullVerification
        client.minimumTLSVersion = .tlsv12
        client.maximumTLSVersion = .tlsv13
        client.renegotiationSupport = .none

        do {
            return TLSIdentity(
                settings: settings, serial: serial, notValidAfter: certificate.notValidAfter, revocations: revocations,
                serverContext: try NIOSSLContext(configuration: server),
                clientContext: try NIOSSLContext(configuration: client))
        } catch {
            throw TLSError(.contextFailed, "\(error)", path: certificatePath)
        }
    }

    /// Makes the TLS handler for one connection.
    ///
    /// For ``TLSRole/client(peerHost:)``, ``TLSSettings/serverName`` (when set) replaces `peerHost`.
    /// - Throws: ``TLSError`` (``TLSError/Code/badSettings`` for a server name NIOSSL refuses).
    /// - Parameter logger: When given, each authenticated peer is logged (info: its certificate
    ///   name and serial) — who connected, for the audit trail.
    public func makeHandler(role: TLSRole, logger: Logger? = nil) throws -> NIOSSLHandler {
        let revocations = self.revocations
        let check: _NIOAdditionalPeerCertificateVerificationCallback = { certificate, channel in
            let serial = PKIHost.serialText(certificate.serialNumber)
            if revocations.isRevoked(serial: serial) {
                return channel.eventLoop.makeFailedFuture(
                    TLSError(
                        .certificateRevoked, "the peer's certificate (serial \(serial)) is revoked",
                        path: revocations.path))
            }
            logger?.info(
                "TLS peer authenticated",
                metadata: [
                    "tls.peer": "\(Self.commonName(of: certificate) ?? "?")", "tls.peer_serial": "\(serial)",
                    "link.peer": "\(channel.remoteAddress?.description ?? "?")",
                ])
            return channel.eventLoop.makeSucceededVoidFuture()
        }
        switch role {
        case .server:
            return NIOSSLServerHandler._makeSSLServerHandler(
                context: serverContext, additionalPeerCertificateVerificationCallback: check)
        case .client(let peerHost):
            let expected = settings.serverName ?? peerHost
            // An address is checked against the IP SANs and the connected address (no SNI for addresses).
            let hostname = IPAddressText.isAddress(expected) ? nil : expected
            do {
                return try NIOSSLClientHandler._makeSSLClientHandler(
                    context: clientContext, serverHostname: hostname,
                    additionalPeerCertificateVerificationCallback: check)
            } catch {
                throw TLSError(.badSettings, "server name \"\(expected)\": \(error)")
            }
        }
    }

    /// Adds the TLS handler first in a pipeline (and a watcher right behind it); call from a channel
    /// initializer, on the channel's event loop, before the protocol's own handlers. Records inside
    /// are unchanged: TLS only wraps the byte stream.
    /// - Returns: a future that succeeds once the handshake, peer verification and revocation check
    ///   completed, and fails with the handshake's error or when the channel closes first. Wait on it
    ///   before counting anything written as delivered.
    @discardableResult
    public func addHandler(
        to pipeline: ChannelPipeline.SynchronousOperations, role: TLSRole, eventLoop: any EventLoop,
        logger: Logger? = nil
    ) throws -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        try pipeline.addHandler(TLSHandshakeWatcher(promise: promise), position: .first)
        try pipeline.addHandler(makeHandler(role: role, logger: logger), position: .first)
        return promise.futureResult
    }

    /// Adds the TLS handler first in `channel`'s pipeline, from any task (e.g. after accepting a
    /// connection), and waits for the handshake to complete.
    /// - Throws: the handshake's error (NIOSSL's, or ``TLSError`` with
    ///   ``TLSError/Code/certificateRevoked``); the channel is closed then.
    public func addTLS(to channel: any Channel, role: TLSRole, logger: Logger? = nil) async throws {
        let handshake = try await channel.eventLoop.submit {
            try self.addHandler(
                to: channel.pipeline.syncOperations, role: role, eventLoop: channel.eventLoop, logger: logger)
        }.get()
        do {
            try await handshake.get()
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Whether `error` is a failed TLS handshake or peer verification (a refused peer), rather
    /// than an I/O error.
    public static func isHandshakeFailure(_ error: any Error) -> Bool {
        error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError || error is TLSError
    }

    /// The common name of the peer's certificate on a channel whose TLS handshake completed (the
    /// host name it was issued under: who sent a request), nil without TLS or before the handshake.
    public static func peerName(of channel: any Channel) async -> String? {
        try? await channel.eventLoop.submit { () -> NIOSSLCertificate? in
            (try? channel.pipeline.syncOperations.handler(type: NIOSSLHandler.self))?.peerCertificate
        }.get().flatMap { commonName(of: $0) }
    }

    /// The common name of a peer's certificate (for logs), nil when it has none.
    public static func commonName(of certificate: NIOSSLCertificate) -> String? {
        guard let bytes = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: bytes) else {
            return nil
        }
        for relative in parsed.subject {
            for attribute in relative where attribute.type == .RDNAttributeType.commonName {
                return attribute.value.description
            }
        }
        return nil
    }
}
