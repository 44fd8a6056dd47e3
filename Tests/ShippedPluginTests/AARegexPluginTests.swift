// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICECrypto
import MICEPluginHost
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
