// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICEAlerts
import MICEBench
import MICECore
import MICEPluginHost
import MICEPluginManifest
import MICEReactionDaemon
import MICERecords
import MICETestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Real nftables in a namespace pair joined by veth: the daemon runs in `host`, the blocked
/// address is `peer`'s. The machine's own firewall is never touched.
@Suite("ReactionDaemon firewall (network namespaces)", .serialized)
struct ReactionFirewallTests {
    static let password = "a sixteen+ byte secret"

    static func pairOrSkip(_ test: String) throws -> NetworkNamespacePair? {
        if let reason = NetworkNamespacePair.unavailableReason {
            print("SKIPPED \(test): \(reason)")
            return nil
        }
        return try NetworkNamespacePair(tag: "t\(getpid() % 10000)")
    }

    static func waitUntil(_ timeout: Duration, _ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }

    @Test("alert → countermeasure agent → ReactionDaemon (Twofish) → nftables block of the peer; gone after its time")
    func alertBlocksPeer() async throws {
        guard let pair = try Self.pairOrSkip("alertBlocksPeer") else { return }
        defer { pair.destroy() }
        let harness = try ReactionDaemonHarness(
            rows: [.init(fid: 1, module: "mice-rct-block", user: "0", group: "0")],
            security: "AUTH = twofish\nPASSWORD = \"\(Self.password)\"\nALLOW_UNAUTHENTICATED = yes",
            host: pair.hostAddress, namespace: pair.host)
        #expect(pair.peerCanPing(from: pair.peerAlias))
        // The shipped agent, in the peer's namespace, reads one alert from its FIFO.
        let fifo = harness.scratch.path + "/rid_4_countermeasure"
        let directory = try PluginDirectory.discover(root: TestPaths.pluginsRoot)
        var manifest = try #require(directory.manifests.first { $0.name == "mice-agent-countermeasure" })
        manifest.exec = [
            "/usr/sbin/ip", "netns", "exec", pair.peer, TestPaths.binDirectory + "/mice-agent-countermeasure",
        ]
        let agent = try await PluginConnection.launch(
            manifest: manifest,
            options: PluginSpawnOptions(
                binDirectory: TestPaths.binDirectory, stateDirectory: harness.scratch.folder("agent"),
                configuration: [
                    "fifo": .string(fifo), "password": .string(Self.password), "port": .int(Int64(harness.port)),
                    "functionID": .int(1), "arguments": .string("{source} 4"), "targetHost": .string(pair.hostAddress),
                ]),
            logger: Logger(label: "test.agent"))
        let record = RIDMsgFormat(
            idmefMessage: Array(Self.idmef(source: pair.peerAlias).utf8), alertID: Array("0x7010".utf8),
            alertIDDescription: Array("Exploit Signature detected".utf8), reactionID: 4)
        try Self.writeToFifo(fifo, record.encode())
        #expect(
            Self.waitUntil(.seconds(20)) { !pair.peerCanPing(from: pair.peerAlias) },
            "the peer was not blocked:\n\(harness.log.suffix(3000))")
        #expect(harness.log.contains("EXEC mice-rct-block [\(pair.peerAlias) 4] alert 0x7010"))
        let (_, set) = pair.run(in: pair.host, "/usr/sbin/nft", ["list", "set", "inet", "mice", "blocked4"])
        #expect(set.contains(pair.peerAlias), "\(set)")
        // The agent (talking from the peer's other address) got the daemon's answer.
        let answer = await agent.process.stderr.waitForLine(containing: "RID_SUCCESS", timeout: 10)
        #expect(answer != nil, "\(agent.process.stderr.tail(5))")
        #expect(pair.peerCanPing(), "only the alert's source is blocked")
        // The element times out by itself: the peer gets through again.
        #expect(
            Self.waitUntil(.seconds(15)) { pair.peerCanPing(from: pair.peerAlias) }, "the block did not end by itself")
        _ = await agent.shutdown()
    }

    @Test("an IPv6 EXEC request blocks the peer's IPv6 address until its timeout")
    func ipv6Block() throws {
        guard let pair = try Self.pairOrSkip("ipv6Block") else { return }
        defer { pair.destroy() }
        let harness = try ReactionDaemonHarness(
            rows: [.init(fid: 1, module: "mice-rct-block", user: "0", group: "0")], host: pair.hostAddress,
            namespace: pair.host)
        #expect(Self.waitUntil(.seconds(5)) { pair.peerCanPing(ipv6: true) })
        let connection = try harness.connect(namespace: pair.peer)
        let request = ReactionClientConnection.exec(
            functionID: 1, arguments: "\(pair.peerAddress6) 3", timestamp: now())
        #expect(ReactionClientConnection.returnValue(try connection.request(request)) == ReactionMessage.RID_SUCCESS)
        #expect(!pair.peerCanPing(ipv6: true))
        #expect(pair.peerCanPing(), "IPv4 must stay open")
        #expect(Self.waitUntil(.seconds(15)) { pair.peerCanPing(ipv6: true) })
    }

    static func idmef(source: String) -> String {
        """
        <?xml version="1.0"?>
        <IDMEF-Message version="1.0"><Alert><ident>1</ident>\
        <Analyzer><analyzerid>MICE-RegEx</analyzerid></Analyzer>\
        <CreateTime ntpstamp="0xc5a1b2c3.0x00000000">2004-09-05T18:55:00.00Z</CreateTime>\
        <Source><Node><Address><category>ipv4-addr</category><address>\(source)</address></Address></Node></Source>\
        <Target><Node><Address><category>ipv4-addr</category><address>10.0.0.1</address></Address></Node></Target>\
        <Classification origin="vendor-specific"><name>0x7010</name><url>http://unknown</url></Classification>\
        </Alert></IDMEF-Message>

        """
    }

    static func writeToFifo(_ path: String, _ bytes: [UInt8]) throws {
        let deadline = ContinuousClock.now + .seconds(20)
        var fd: Int32 = -1
        while fd < 0 && ContinuousClock.now < deadline {
            fd = open(path, O_WRONLY | O_NONBLOCK)
            if fd < 0 { usleep(10_000) }
        }
        guard fd >= 0 else { throw TestSetupError("no reader on \(path)") }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            guard count > 0 else { throw TestSetupError("FIFO write failed") }
            offset += count
        }
    }
}
