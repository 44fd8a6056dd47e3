// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICECrypto
import MICEDaemon
import MICEPluginHost
import MICEPluginManifest
import MICERecords
import MICETestSupport
import MICEWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("mice-pop-aa-regex", .serialized, .timeLimit(.minutes(2)))
struct AARegexPluginTests {
    /// The original rule keys (as a translated mice_mod_pop_aa_regex.conf gives them), legacy links
    /// to two listeners: a matching line gives a Twofish CipherIdmefMsg with alert 0x1020 to the
    /// management host and the plaintext LogFormat record to the agent (SendTo B); other lines
    /// nothing (DeSendTo N).
    @Test("original rules: alert to the management host (Twofish), raw record to the agent, legacy links")
    func originalRulesLegacyLinks() async throws {
        let folder = NSTemporaryDirectory() + "mice-aa-regex-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let management = try TestListener()
        let agent = try TestListener()
        let configuration: [String: JSONValue] = [
            "AuF_Rule": .array([.string(".*Failed password.*")]), "AuSendTo": .string("B"),
            "DeSendTo": .string("N"), "management": .string("127.0.0.1:\(management.port)"),
            "agent": .string("127.0.0.1:\(agent.port)"), "key": .string("ChangeMe :-P"), "mode": .string("legacy"),
            "spoolDirectory": .string(folder + "/spool"), "alertIDFile": .string(folder + "/alertid"),
            "alertID": .int(41),
        ]
        let line = "Nov 23 22:00:00 web1 sshd[1]: Failed password for root from 192.0.2.7 port 2222 ssh2"
        try await ShippedPlugins.withPlugin("mice-pop-aa-regex", configuration: configuration) { plugin in
            #expect(plugin.initValue == Int64(LogFormatLayout.seed.size))
            let values = try await plugin.call(batch: [
                ModuleCall(data: ShippedPlugins.record(line, layout: .seed)),
                ModuleCall(data: ShippedPlugins.record("Nov 23 22:00:01 web1 CRON[2]: nothing", layout: .seed)),
            ]).map(\.returnValue)
            #expect(values == [1, 0])
            let envelope = try CipherMsg(decoding: try management.receive(CipherMsg.idmefSize), kind: .idmefMessage)
            #expect(envelope.ivLength == 16)
            let plain = try LegacyTwofish(password: "ChangeMe :-P").decrypt(envelope.payload, iv: envelope.iv)
            #expect(try IdmefMsgFormat.verifyChecksum(of: plain) == .valid)
            let xml = String(decoding: try IdmefMsgFormat(decoding: plain).message.prefix { $0 != 0 }, as: UTF8.self)
            #expect(xml.contains("<Alert messageid=\"41\">"), "\(xml)")
            #expect(xml.contains("analyzerid=\"MICE-RegEx\""))
            #expect(xml.contains("text=\"0x1020\""))
            let raw = try CipherMsg(
                decoding: try agent.receive(CipherMsg.size(innerSize: LogFormatLayout.seed.size)),
                kind: .logFormat(.seed))
            #expect(raw.ivLength == 0)
            let record = try LogFormat(decoding: raw.payload, layout: .seed)
            #expect(String(decoding: record.logData.prefix { $0 != 0 }, as: UTF8.self) == line)
        }
        #expect(try String(contentsOfFile: folder + "/alertid", encoding: .utf8) == "42\n")
    }

    /// The original mice_mod_pop_aa_regex.conf (spec §8 values) through the daemons' resolver: the
    /// HOST_INFO, IDMEF_INFO and rule keys map to options, and the module works with them.
    @Test("an original mice_mod_pop_aa_regex.conf configures the module (legacy name and keys)")
    func originalConfigurationFile() async throws {
        let folder = NSTemporaryDirectory() + "mice-aa-regex-conf-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let management = try TestListener()
        let conf = """
            [HOST_INFO]
            Management = "127.0.0.1:\(management.port)"
            Agent = "127.0.0.1:1"
            Encryption = yes
            MngmntKey = "changeme1"
            AgentKey = "changeme2"
            [IDMEF_INFO]
            AlertID = 7
            AlertIDFile = "\(folder)/alertid"
            DTDFile = /etc/idmef/idmef-message.dtd
            [AUTH]
            AuSendTo = "M"
            AuS_Rule = ".*session started for user.*"
            AuS_Rule = ".*Accepted password.*"
            AuF_Rule = ".*FAILED SU.*"
            AuF_Rule = ".*Failed password.*"
            [ROOT]
            RoSendTo = "N"
            [APPS]
            ApSendTo = "M"
            Ap_Name = ".*sshd.*"
            [FIREWALL]
            FwSendTo = "M"
            FwD_Rule = ".*SuSE-FW-DROP.*"
            FwA_Rule = ".*SuSE-FW-ACCEPT.*"
            [DEFAULT]
            DeSendTo = "N"

            """
        let path = folder + "/mice_mod_pop_aa_regex.conf"
        try conf.write(toFile: path, atomically: true, encoding: .utf8)
        let resolver = try ModuleResolver(pluginsRoot: ShippedPlugins.pluginsRoot, logger: ShippedPlugins.logger)
        let module = try resolver.resolve(name: "mice_mod_pop_aa_regex", kind: .postprocessing, configFile: path)
        #expect(module.manifest.name == "mice-pop-aa-regex")
        #expect(module.configuration["AuF_Rule"]?.arrayValue?.count == 2)
        #expect(module.configuration["encryption"] == .bool(true))
        var configuration = module.configuration
        configuration["spoolDirectory"] = .string(folder + "/spool")
        configuration["mode"] = .string("legacy")
        try await ShippedPlugins.withPlugin("mice-pop-aa-regex", configuration: configuration) { plugin in
            let lines = [
                "Nov 23 22:00:00 h sshd[1]: Failed password for root from 192.0.2.7 port 2222 ssh2",
                "Nov 23 22:00:01 h kernel: SuSE-FW-ACCEPT IN=eth0",
            ]
            let values = try await plugin.call(
                batch: lines.map { ModuleCall(data: ShippedPlugins.record($0, layout: .seed)) }
            )
            .map(\.returnValue)
            #expect(values == [1, 1])
            let cipher = try LegacyTwofish(password: "changeme1")
            var texts: [String] = []
            for _ in lines {
                let envelope = try CipherMsg(decoding: try management.receive(CipherMsg.idmefSize), kind: .idmefMessage)
                let plain = try cipher.decrypt(envelope.payload, iv: envelope.iv)
                #expect(try IdmefMsgFormat.verifyChecksum(of: plain) == .valid)
                texts.append(
                    String(decoding: try IdmefMsgFormat(decoding: plain).message.prefix { $0 != 0 }, as: UTF8.self))
            }
            // First match wins in the original order; FwA_Rule is "accept" (0x8030), not the original's swap.
            #expect(texts[0].contains("text=\"0x1020\"") && texts[0].contains("<Alert messageid=\"7\">"))
            #expect(texts[1].contains("text=\"0x8030\"") && texts[1].contains("<Alert messageid=\"8\">"))
        }
    }

    @Test("a missing management host or ruleset is a configuration error")
    func badConfiguration() async throws {
        let error = try await ShippedPlugins.startError(
            "mice-pop-aa-regex", configuration: ["management": .string("127.0.0.1:1")])
        #expect("\(error)".contains("rules"), "\(error)")
    }
}

/// A TCP listener on 127.0.0.1 that accepts one connection and reads fixed-size records (bounded waits).
final class TestListener {
    let socket: Int32
    let port: Int
    var connection: Int32 = -1

    init() throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socket = socket
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && listen(socket, 4) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else { throw TestListenerError(description: "cannot listen: \(errno)") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        if connection >= 0 { close(connection) }
        close(socket)
    }

    /// Reads exactly `count` bytes (accepting the connection first), waiting at most 20 s.
    func receive(_ count: Int) throws -> [UInt8] {
        let deadline = Date().addingTimeInterval(20)
        if connection < 0 {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 20_000) == 1 else { throw TestListenerError(description: "no connection") }
            connection = accept(socket, nil, nil)
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while bytes.count < count {
            let left = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            var poller = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            guard left > 0, poll(&poller, 1, left) == 1 else {
                throw TestListenerError(description: "\(bytes.count) of \(count) bytes within 20 s")
            }
            let read = Glibc.read(connection, &buffer, min(buffer.count, count - bytes.count))
            guard read > 0 else { throw TestListenerError(description: "connection closed after \(bytes.count)") }
            bytes += buffer[0..<read]
        }
        return bytes
    }
}

struct TestListenerError: Error, CustomStringConvertible {
    var description: String
}
