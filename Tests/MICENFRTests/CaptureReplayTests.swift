// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICENFR
import MICEPacket
import MICETestSupport
import Testing

/// The engine over the shared captures (../shared/data/pcap or $MICE_PCAP_DIR).
@Suite("NFR engine over real captures")
struct CaptureReplayTests {
    static var captureDirectory: String {
        if let directory = ProcessInfo.processInfo.environment["MICE_PCAP_DIR"], !directory.isEmpty {
            return directory
        }
        return TestPaths.repositoryRoot + "/../shared/data/pcap"
    }

    /// A home with one package `t` whose backend `b` is `code` (and an .acf with alert PING).
    static func home(_ scratch: Scratch, code: String) throws -> String {
        let home = scratch.folder("home")
        let package = home + "/packages/t"
        try FileManager.default.createDirectory(atPath: package, withIntermediateDirectories: true)
        try "enabled=true\ntitle=T\n".write(toFile: package + "/t.cfg", atomically: true, encoding: .utf8)
        try "enabled=true\ntitle=B\n".write(toFile: package + "/b.cfg", atomically: true, encoding: .utf8)
        try code.write(toFile: package + "/b.nfr", atomically: true, encoding: .utf8)
        try """
        acfhdr { version = 1; fixed = TRUE; }
        alert_source PING_SOURCE { shortname = PINGS; }
        alert PING { rules = networklist; severity = SEV_INFO; format = "$(1) pinged $(2)"; }
        """.write(toFile: package + "/b.acf", atomically: true, encoding: .utf8)
        return home
    }

    /// Replays `capture` through a home with `code`; returns the summary, echo output and alerts.
    static func replay(_ capture: String, code: String) throws -> (NFRReplay.Summary, String, [NFRAlert]) {
        let scratch = try Scratch("nfr-replay")
        defer { scratch.remove() }
        let home = try home(scratch, code: code)
        var echoed: [UInt8] = []
        let dispatcher = try NFRAlertDispatcher(
            home: home, console: { _ in }, jsonOutput: nil, mail: nil, management: nil)
        let engine = try NFREngine(
            home: try NFRHome(path: home), dispatcher: dispatcher, echo: { echoed += $0 }, diagnostics: { _ in })
        let summary = try NFRReplay.run(source: try PcapSource(file: captureDirectory + "/" + capture), engine: engine)
        return (summary, String(decoding: echoed, as: UTF8.self), try NFRAlertLog.read(home: home))
    }

    static func throttled(_ seconds: Int) -> String {
        """
        ctx = alertContext(\(seconds));
        filter pings icmp ( ) {
            if ( byte ( ip.blob, 0 ) == 8 )
                alert ( _:PING_SOURCE, _:PING, ctx, ip.src, ip.dst ) ;
        }
        """
    }

    /// Suricata-verify's threshold-rule-flow icmp.pcap: 8 echo requests in pairs 28 µs apart, one
    /// pair a second. Suricata expects 8 alerts without a threshold and 1 with `type limit, count 1`
    /// over the capture; alertContext gives 8, 1 (5 s) and 4 (1 s: one per second).
    @Test(arguments: [(0, 8), (5, 1), (1, 4)])
    func suricataThresholdCapture(seconds: Int, expected: Int) throws {
        let (summary, _, alerts) = try Self.replay("suricata-verify-threshold-icmp.pcap", code: Self.throttled(seconds))
        #expect(summary.packets == 12)
        #expect(alerts.count == expected)
        #expect(summary.engine.suppressedAlerts == 8 - expected)
        #expect(alerts.first?.message == "192.168.0.89 pinged 192.168.0.1")
        #expect(alerts.first?.source == "PINGS")
    }

    /// An alert the `.acf` does not define is delivered each time and reported once per call site.
    @Test func undefinedAlertIsDeliveredAndReportedOnce() throws {
        let scratch = try Scratch("nfr-undefined")
        defer { scratch.remove() }
        let home = try Self.home(
            scratch,
            code: """
                filter pings icmp ( ) {
                    if ( byte ( ip.blob, 0 ) == 8 )
                        alert ( _:PING_SOURCE, _:NOT_DEFINED, null, ip.src, ip.dst ) ;
                }
                """)
        var diagnostics: [String] = []
        let dispatcher = try NFRAlertDispatcher(
            home: home, console: { _ in }, jsonOutput: nil, mail: nil, management: nil)
        let engine = try NFREngine(
            home: try NFRHome(path: home), dispatcher: dispatcher, echo: { _ in },
            diagnostics: { diagnostics.append($0) })
        _ = try NFRReplay.run(
            source: try PcapSource(file: Self.captureDirectory + "/suricata-verify-threshold-icmp.pcap"), engine: engine
        )
        let alerts = try NFRAlertLog.read(home: home)
        #expect(alerts.count == 8)
        #expect(alerts.allSatisfy { $0.alert == "NOT_DEFINED" && $0.rules == ["networklist"] })
        #expect(diagnostics.filter { $0.contains("NOT_DEFINED is not defined") }.count == 1, "\(diagnostics)")
    }

    /// Zeek's 5-pings.pcap: 5 echo requests a little over 1 s apart (ncode-notes T22).
    @Test(arguments: [(5, 1), (1, 5)])
    func zeekFivePings(seconds: Int, expected: Int) throws {
        let (_, _, alerts) = try Self.replay("zeek-5-pings.pcap", code: Self.throttled(seconds))
        #expect(alerts.count == expected)
    }

    /// Every shared capture: every packet decoded or counted, the ip filter sees every IPv4
    /// packet as captured, nothing crashes.
    @Test func everySharedCaptureIsDecodedOrCounted() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.captureDirectory).filter {
            $0.hasSuffix(".pcap")
        }
        #expect(names.count >= 9)
        let code = """
            filter every ip ( ) {
                echo ( ip.src, " ", ip.dst, " ", ip.protocol, " ", strlen ( ip.blob ), "\\n" ) ;
            }
            filter segments tcp ( ) { echo ( "tcp ", tcp.sport, " ", tcp.dport, "\\n" ) ; }
            """
        for name in names.sorted() {
            let (summary, echoed, _) = try Self.replay(name, code: code)
            let decoder = summary.decoder
            #expect(decoder.isBalanced, "\(name)")
            #expect(decoder.total == summary.packets, "\(name)")
            let ipLines = echoed.split(separator: "\n").filter { !$0.hasPrefix("tcp ") }
            #expect(UInt64(ipLines.count) == decoder.ipv4, "\(name)")
        }
    }

    /// The fragmented SYN: the ip filter sees two fragments, the tcp filter one reassembled SYN.
    @Test func fragmentsReachIpFiltersAndTheReassembledSegmentReachesTcpFilters() throws {
        let code = """
            filter every ip ( ) { echo ( "ip ", strlen ( ip.blob ), "\\n" ) ; }
            filter segments tcp ( ) { echo ( "tcp ", tcp.sport, "->", tcp.dport, "\\n" ) ; }
            """
        let (_, echoed, _) = try Self.replay("zeek-fragmented-syn.pcap", code: code)
        let lines = echoed.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("ip ") }.count == 2)
        #expect(lines.filter { $0.hasPrefix("tcp ") }.count == 1)
    }
}
