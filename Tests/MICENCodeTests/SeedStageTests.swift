// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICENCode
import Testing

/// Every stage of the seed's new_badhosts.nfr parses and its filter behaves as the seed says,
/// on hand-built packets.
@Suite("The seed's new_badhosts.nfr, stage by stage")
struct SeedStageTests {
    let outsider = "208.239.113.163"

    func load(_ text: String) throws -> (NCodeProgram, RecordingHost) {
        try runTopLevel(text, path: "packages/id/new_badhosts.nfr")
    }

    @Test("stage 1: test-nfrd prints the list")
    func stage1() throws {
        let (program, host) = try load(SeedStages.badhostsList)
        #expect(host.text == "This is badhosts: [10.0.0.255,10.0.1.255,10.0.2.255,10.0.255.255]\n")
        #expect(program.filters.isEmpty)
    }

    @Test("stage 2: the filter sees every IP packet")
    func stage2() throws {
        let (program, host) = try load(SeedStages.everyPacket)
        #expect(host.takeText() == "")
        #expect(program.filters.map(\.name) == ["new_badhosts"])
        #expect(program.filters.first?.layer == .ip)
        #expect(program.filters.first?.path == "packages/id/new_badhosts.nfr")
        TestPacket.tcp("208.239.113.130", 1025, "152.1.58.124", 80, flags: 0x10).run(through: program)
        TestPacket.udp("152.1.58.124", 53, "208.239.113.130", 1025).run(through: program)
        #expect(host.takeText() == "Here 00: 208.239.113.130->152.1.58.124\nHere 00: 152.1.58.124->208.239.113.130\n")
    }

    @Test("stage 3: only packets to or from a bad host")
    func stage3() throws {
        let (program, host) = try load(SeedStages.onlyBadHosts)
        TestPacket.ping(outsider, "10.0.0.255").run(through: program)
        TestPacket.ping(outsider, "10.0.0.254").run(through: program)
        TestPacket.ping("10.0.255.255", outsider).run(through: program)
        #expect(host.takeText() == "Here 00: \(outsider)->10.0.0.255\nHere 00: 10.0.255.255->\(outsider)\n")
    }

    @Test("stage 4: excepted sources are quiet")
    func stage4() throws {
        let (program, host) = try load(SeedStages.exceptions)
        TestPacket.ping("10.0.0.7", "10.0.0.255").run(through: program)
        TestPacket.ping("10.0.0.200", "10.0.1.255").run(through: program)
        TestPacket.ping("10.0.2.3", "10.0.255.255").run(through: program)
        #expect(host.takeText() == "")
        TestPacket.ping("10.0.0.7", "10.0.1.255").run(through: program)
        TestPacket.ping(outsider, "10.0.2.255").run(through: program)
        #expect(host.takeText() == "Here 00: 10.0.0.7->10.0.1.255\nHere 00: \(outsider)->10.0.2.255\n")
        #expect(host.diagnostics.isEmpty)
    }

    /// Stage 5 onwards print the protocol name (the seed's sample output also shows ports and
    /// flags that its printed echo statement does not print: we run the code as printed).
    @Test("stage 5: protocol names from the array; 'Unknown' for a missing entry")
    func stage5() throws {
        let (program, host) = try load(SeedStages.protocols)
        TestPacket.ping(outsider, "10.0.0.255").run(through: program)
        TestPacket.tcp(outsider, 7865, "10.0.2.255", 23, flags: 0x02).run(through: program)
        TestPacket.udp(outsider, 1234, "10.0.1.255", 53).run(through: program)
        var other = TestPacket.ping(outsider, "10.0.255.255")
        other.proto = 99
        other.run(through: program)
        var igmp = TestPacket.ping(outsider, "10.0.255.255")
        igmp.proto = 2
        igmp.run(through: program)
        #expect(
            host.takeText() == """
                Here 00: \(outsider)->10.0.0.255: ICMP
                Here 00: \(outsider)->10.0.2.255: TCP
                Here 00: \(outsider)->10.0.1.255: UDP
                Here 00: \(outsider)->10.0.255.255: Unknown
                Here 00: \(outsider)->10.0.255.255: IGMP

                """)
        #expect(host.diagnostics.isEmpty)
    }

    @Test("stage 6: the schema, the recorder and one row per reported packet")
    func stage6() throws {
        let (program, host) = try load(SeedStages.recorded)
        #expect(host.recorders.count == 1)
        #expect(host.recorders.first?.spec == "bin/list packages/id/new_badhosts.cfg")
        #expect(host.recorders.first?.schemaName == "new_badhosts_schema")
        #expect(
            host.recorders.first?.schema
                == .schema(
                    NCodeSchema(
                        version: 1, columns: ["time", "ip", "int", "ip", "int", "string", "string"],
                        scope: "id:new_badhosts")))
        TestPacket.ping(outsider, "10.0.0.255").run(through: program)
        TestPacket.ping("10.0.0.9", "10.0.0.255").run(through: program)
        TestPacket.tcp(outsider, 7865, "10.0.2.255", 23, flags: 0x02).run(through: program)
        TestPacket.tcp(outsider, 8256, "10.0.2.255", 23, flags: 0x12).run(through: program)
        let recorder = NCodeValue.handle(NCodeHandle(kind: "recorder", id: 1))
        let time = NCodeValue.int(894_000_000)
        #expect(
            host.records == [
                .init(
                    values: [
                        time, .host(ip(outsider)), .int(0), .host(ip("10.0.0.255")), .int(0), .text("ICMP"), .text(""),
                    ],
                    recorder: recorder),
                .init(
                    values: [
                        time, .host(ip(outsider)), .int(7865), .host(ip("10.0.2.255")), .int(23), .text("TCP"),
                        .text("syn "),
                    ], recorder: recorder),
                .init(
                    values: [
                        time, .host(ip(outsider)), .int(8256), .host(ip("10.0.2.255")), .int(23), .text("TCP"),
                        .text("syn ack "),
                    ], recorder: recorder),
            ])
        #expect(host.diagnostics.isEmpty)
    }

    @Test("stage 7 (final): one alert per reported packet, through the context made at the top")
    func stage7() throws {
        let (program, host) = try load(SeedStages.alerted)
        #expect(host.contexts == [5])
        TestPacket.ping(outsider, "10.0.0.255").run(through: program)
        TestPacket.ping("10.0.0.9", "10.0.0.255").run(through: program)
        TestPacket.tcp(outsider, 7865, "10.0.2.255", 23, flags: 0x02).run(through: program)
        TestPacket.tcp("10.0.2.2", 7865, "10.0.255.255", 23, flags: 0x02).run(through: program)
        TestPacket.tcp("10.0.5.5", 7865, "10.0.9.9", 23, flags: 0x02).run(through: program)
        #expect(host.takeText() == "Here 00: \(outsider)->10.0.0.255: ICMP\nHere 00: \(outsider)->10.0.2.255: TCP\n")
        let context = NCodeValue.handle(NCodeHandle(kind: "alertContext", id: 1))
        #expect(
            host.alerts == [
                .init(
                    source: "BAD_HOST_BACKEND", alert: "BAD_HOST", context: context,
                    arguments: [.host(ip(outsider)), .host(ip("10.0.0.255")), .text("ICMP  ")]),
                .init(
                    source: "BAD_HOST_BACKEND", alert: "BAD_HOST", context: context,
                    arguments: [.host(ip(outsider)), .host(ip("10.0.2.255")), .text("TCP  syn ")]),
            ])
        #expect(host.records.count == 2)
        #expect(host.diagnostics.isEmpty)
    }

    @Test("filter arguments: parsed, port and host keys matched, stream words kept")
    func filterArguments() throws {
        let text = """
            telnet_servers = [ 10.0.2.0:255.255.255.0 ];
            filter telnet tcp ( client, dport: 23 ) { echo("t"); }
            filter back udp ( sport: [ 53, 5353 ] ) { echo("u"); }
            filter to_net ip ( dst: telnet_servers ) { echo("d"); }
            filter from_one icmp ( src: 10.0.0.1 ) { echo("i"); }
            filter web tcp ( server, port: 80, start: "GET", stop: " " ) { echo("w"); }
            filter short_form ip ( dst:telnet_servers ) { echo("s"); }
            """
        let (program, host) = try load(text)
        #expect(program.filters.map(\.layer) == [.tcp, .udp, .ip, .icmp, .tcp, .ip])
        #expect(
            program.filters[0].arguments == [.init(key: "client", value: nil), .init(key: "dport", value: .int(23))])
        #expect(
            program.filters[2].arguments == [
                .init(key: "dst", value: .list([.network(address: ip("10.0.2.0"), mask: ip("255.255.255.0"))]))
            ])
        #expect(program.filters[4].arguments.map(\.key) == ["server", "port", "start", "stop"])
        #expect(program.filters[4].arguments[2].value == .text("GET"))
        TestPacket.tcp("10.0.9.9", 4000, "10.0.2.255", 23, flags: 2).run(through: program)
        #expect(host.takeText() == "tds")
        TestPacket.udp("10.0.9.9", 5353, "10.0.3.1", 9).run(through: program)
        TestPacket.udp("10.0.9.9", 54, "10.0.3.1", 9).run(through: program)
        #expect(host.takeText() == "u")
        TestPacket.ping("10.0.0.1", "10.0.3.1").run(through: program)
        TestPacket.ping("10.0.0.2", "10.0.3.1").run(through: program)
        #expect(host.takeText() == "i")
        TestPacket.tcp("10.0.3.3", 80, "10.0.3.1", 5000, flags: 0x10).run(through: program)
        #expect(host.takeText() == "w")
    }
}
