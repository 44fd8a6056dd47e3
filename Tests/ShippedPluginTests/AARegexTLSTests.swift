// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICECore
import MICEPluginHost
import MICERecords
import MICETLS
import MICETransport
import MICEWire
import Synchronization
import Testing

/// mice-pop-aa-regex's link to the management host inside mutual TLS (`tls`, `pki`, `tlsName`).
@Suite("mice-pop-aa-regex over mutual TLS", .serialized, .timeLimit(.minutes(2)))
struct AARegexTLSTests {
    @Test("tls: true delivers the alert to an mTLS listener as a CipherIdmefMsg")
    func alertOverMutualTLS() async throws {
        let folder = NSTemporaryDirectory() + "mice-aa-tls-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pki = PKI(directory: folder + "/pki")
        try pki.initialize()
        try pki.issue(name: "mgmt", ipAddresses: ["127.0.0.1"])
        try pki.issue(name: "analysis1")
        var logger = Logger(label: "test.aa-tls")
        logger.logLevel = .critical
        let server = try await LinkServer.bind(
            configuration: .init(
                link: "*", mode: .acked, recordSize: CipherMsg.idmefSize, endpoint: .tcp(host: "127.0.0.1", port: 0),
                tls: try TLSIdentity.load(TLSSettings(pkiDirectory: pki.directory, certificateName: "mgmt"))),
            logger: logger)
        let port = try #require(server.port)
        let received = Mutex<[[UInt8]]>([])
        let serving = Task {
            try await server.run { record in
                received.withLock { $0.append(record.bytes) }
                record.acknowledge()
            }
        }
        defer { serving.cancel() }
        let configuration: [String: JSONValue] = [
            "AuF_Rule": .array([.string(".*Failed password.*")]), "AuSendTo": .string("M"),
            "DeSendTo": .string("N"), "management": .string("127.0.0.1:\(port)"), "encryption": .bool(false),
            "spoolDirectory": .string(folder + "/spool"), "alertIDFile": .string(folder + "/alertid"),
            "tls": .bool(true), "pki": .string(pki.directory), "tlsName": .string("analysis1"),
        ]
        let line = "Nov 24 01:00:00 web1 sshd[1]: Failed password for root from 192.0.2.7 port 2222 ssh2"
        try await ShippedPlugins.withPlugin("mice-pop-aa-regex", configuration: configuration) { plugin in
            let values = try await plugin.call(batch: [ModuleCall(data: ShippedPlugins.record(line, layout: .seed))])
                .map(\.returnValue)
            #expect(values == [1])
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while received.withLock({ $0.isEmpty }) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        server.shutdown()
        _ = try? await serving.value
        let records = received.withLock { $0 }
        try #require(records.count == 1)
        let envelope = try CipherMsg(decoding: records[0], kind: .idmefMessage)
        #expect(envelope.ivLength == 0)
        let xml = String(
            decoding: try IdmefMsgFormat(decoding: envelope.payload).message.prefix { $0 != 0 }, as: UTF8.self)
        #expect(xml.contains("<Alert messageid="))
        #expect(server.statistics.tlsRefused == 0)
    }

    @Test("tls: false without insecure: true is a configuration error")
    func plaintextMustBeAskedFor() async throws {
        let configuration: [String: JSONValue] = [
            "AuF_Rule": .array([.string(".*Failed password.*")]), "management": .string("127.0.0.1:1"),
            "tls": .bool(false), "spoolDirectory": .string(NSTemporaryDirectory() + "mice-aa-tls-none"),
        ]
        await #expect(throws: (any Error).self) {
            try await ShippedPlugins.withPlugin("mice-pop-aa-regex", configuration: configuration) { _ in }
        }
    }
}
