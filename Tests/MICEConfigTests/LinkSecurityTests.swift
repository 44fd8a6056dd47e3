// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEConfig
import Testing

/// The `[TLS]` section of both daemons' files: mTLS, explicit plaintext, and original files.
@Suite struct LinkSecurityTests {
    @Test("original files without [TLS] still load, as unacknowledged plaintext with a loud warning")
    func originalFilesLoad() throws {
        for name in ["rawlogdb", "aa"] {
            let config = try BufferDaemonConfig.load(path: Repository.fixture("original-bufferdaemon-\(name).conf"))
            #expect(config.security == .plaintext(acknowledged: false))
            let warning = try #require(config.security.startWarning(file: "bufferdaemon.conf"))
            #expect(warning.contains("INSECURE"))
            #expect(warning.contains("no [TLS] section"))
        }
        let forwarder = try DataForwarderConfig.parse(Self.forwarder(""), file: "dataforwarder.conf")
        #expect(forwarder.security == .plaintext(acknowledged: false))
        #expect(forwarder.security.startWarning(file: "dataforwarder.conf", twofish: true)?.contains("Twofish") == true)
    }

    @Test("TLS = yes with TLSNAME and PKIDIR is mutual TLS; the shipped files use it")
    func mutualTLS() throws {
        let config = try BufferDaemonConfig.parse(
            BufferDaemonConfigTests.text(extra: "[TLS]\nTLS = yes\nPKIDIR = /srv/pki\nTLSNAME = buffer1\n"),
            file: "b.conf")
        #expect(config.security == .mutualTLS(pkiDirectory: "/srv/pki", certificateName: "buffer1"))
        #expect(config.security.startWarning(file: "b.conf") == nil)
        let defaulted = try DataForwarderConfig.parse(
            Self.forwarder("[TLS]\nTLS = yes\nTLSNAME = fwd1\n"), file: "dataforwarder.conf")
        #expect(defaulted.security == .mutualTLS(pkiDirectory: "/etc/M-ICE/pki", certificateName: "fwd1"))
        let shippedBuffer = try BufferDaemonConfig.load(path: Repository.root + "/etc/bufferdaemon.conf")
        #expect(shippedBuffer.security.isMutualTLS)
        let shippedForwarder = try DataForwarderConfig.load(path: Repository.root + "/etc/dataforwarder.conf")
        #expect(shippedForwarder.security.isMutualTLS)
    }

    @Test("plaintext must be asked for: TLS = no needs INSECURE = yes")
    func explicitPlaintext() throws {
        let acknowledged = try BufferDaemonConfig.parse(
            BufferDaemonConfigTests.text(extra: "[TLS]\nTLS = no\nINSECURE = yes\n"), file: "b.conf")
        #expect(acknowledged.security == .plaintext(acknowledged: true))
        #expect(acknowledged.security.startWarning(file: "b.conf")?.contains("INSECURE = yes") == true)

        let refused = configError {
            _ = try BufferDaemonConfig.parse(BufferDaemonConfigTests.text(extra: "[TLS]\nTLS = no\n"), file: "b.conf")
        }
        #expect(refused?.key == "INSECURE")
        #expect(refused?.section == "TLS")
        #expect(refused?.line != nil)

        let noName = configError {
            _ = try DataForwarderConfig.parse(Self.forwarder("[TLS]\nTLS = yes\n"), file: "f.conf")
        }
        #expect(noName?.key == "TLSNAME")
        #expect(noName?.file == "f.conf")

        let contradiction = configError {
            _ = try DataForwarderConfig.parse(
                Self.forwarder("[TLS]\nTLS = yes\nTLSNAME = a\nINSECURE = yes\n"), file: "f.conf")
        }
        #expect(contradiction?.key == "INSECURE")
    }

    static func forwarder(_ extra: String) -> String {
        """
        [SQL_SERVER]
        SQLIP = 127.0.0.1
        [SECURITY_AND_PRIVACY]
        ENCRYPT = yes
        ENCKEY = secret
        [LOGFILE_LIST]
        FILE = "file: /var/log/messages"
        \(extra)
        """
    }
}
