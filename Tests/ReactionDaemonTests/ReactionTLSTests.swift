// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEBench
import MICEReactionDaemon
import MICERecords
import MICETLS
import MICETestSupport
import Testing

/// AUTH = tls: the daemon (a real process on 127.0.0.1) serves only clients with a certificate of
/// the project CA; envelopes inside the TLS stream are the original plaintext stCipherRctMsg.
@Suite("ReactionDaemon over mutual TLS", .serialized)
struct ReactionTLSTests {
    @Test("a client of the project CA is served; another CA's, a plaintext and a revoked client run nothing")
    func mutualTLS() throws {
        let keys = try Scratch("rd-pki")
        defer { keys.remove() }
        let pki = PKI(directory: keys.path + "/pki")
        try pki.initialize(commonName: "reaction test CA")
        try pki.issue(name: "reactiond", ipAddresses: ["127.0.0.1"])
        try pki.issue(name: "mngmt")
        let other = PKI(directory: keys.path + "/other")
        try other.initialize(commonName: "intruder CA")
        try other.issue(name: "intruder")

        let harness = try ReactionDaemonHarness(
            rows: [.init(fid: 1, module: "mice-rct-log")],
            security: "AUTH = tls\n[TLS]\nPKIDIR = \(pki.directory)\nTLSNAME = reactiond")
        #expect(harness.log.contains("AUTH = tls"))
        #expect(!harness.log.contains("NOT authenticated"))

        func request(_ identity: TLSIdentity) throws -> Int32? {
            let message = ReactionClientConnection.exec(
                functionID: 1, arguments: "block 192.0.2.7", alertID: "tls-test", timestamp: now())
            let envelope = CipherMsg.plaintext(message.encode(architecture: .x86_64)).encode()
            let answer = try TLSExchange.exchange(
                envelope, answerSize: envelope.count, host: "127.0.0.1", port: harness.port, identity: identity,
                timeout: .seconds(30))
            let reply = try CipherMsg(decoding: answer, innerSize: ReactionArchitecture.x86_64.messageSize)
            return ReactionClientConnection.returnValue(
                try ReactionMessage(decoding: reply.payload, architecture: .x86_64))
        }

        let client = try TLSIdentity.load(TLSSettings(pkiDirectory: pki.directory, certificateName: "mngmt"))
        #expect(try request(client) == ReactionMessage.RID_SUCCESS)
        #expect(harness.executions == 1)

        let intruder = try TLSIdentity.load(TLSSettings(pkiDirectory: other.directory, certificateName: "intruder"))
        #expect(throws: (any Error).self) { try request(intruder) }

        // The original client: plaintext envelopes on a bare TCP connection.
        let plain = try harness.connect()
        let answer = try? plain.request(
            ReactionClientConnection.exec(functionID: 1, arguments: "block 192.0.2.8", timestamp: now()))
        #expect(answer == nil)

        // Revoked after it was loaded: the daemon rereads revoked.json and refuses the handshake.
        try pki.revoke("mngmt")
        #expect(throws: (any Error).self) { try request(client) }
        #expect(harness.executions == 1)
    }
}
