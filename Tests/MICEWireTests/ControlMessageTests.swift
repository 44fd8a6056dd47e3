// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import MICETestSupport
import MICEWire
import Testing

@Suite struct ControlMessageTests {
    @Test func helloRoundTripAndIgnoresUnknownMembers() throws {
        let json = #"{"protocol":"mice-plugin","version":1,"name":"m","future":{"x":1}}"#
        let hello = try ControlCoding.decode(HelloMessage.self, from: Array(json.utf8), frame: .hello)
        #expect(hello.protocol == PluginProtocol.magic)
        #expect(hello.version == 1)
        #expect(hello.name == "m")
        let again = try ControlCoding.decode(HelloMessage.self, from: ControlCoding.encode(hello), frame: .hello)
        #expect(again == hello)
    }

    @Test func configureCarriesArbitraryConfig() throws {
        let message = ConfigureMessage(
            version: 1,
            maxFrameBytes: 4096,
            name: "x",
            kind: .decoding,
            layout: "0.2",
            config: ["key": "ChangeMe :-P", "sizes": [1, 2, 3], "big": .int(6_608_000_000), "on": true],
            heartbeatSeconds: 0
        )
        let decoded = try ControlCoding.decode(
            ConfigureMessage.self,
            from: ControlCoding.encode(message),
            frame: .configure
        )
        #expect(decoded == message)
        #expect(decoded.config["big"]?.intValue == 6_608_000_000)
    }

    @Test func badJSONNamesTheFrame() {
        do {
            _ = try ControlCoding.decode(ReadyMessage.self, from: Array("{init:".utf8), frame: .ready)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .badPayload)
            #expect(error.detail.contains("READY"))
        }
    }

    @Test func versionNegotiationPicksNewestCommon() {
        #expect(PluginProtocol.negotiate(hostVersions: [1, 2, 3], moduleVersions: [2, 1]) == 2)
        #expect(PluginProtocol.negotiate(hostVersions: [3], moduleVersions: [1]) == nil)
        #expect(PluginProtocol.parseVersions(" 2, 1,x") == [2, 1])
    }

    @Test func callAndReplyPayloads() throws {
        var payload: [UInt8] = []
        ModuleCall(fileType: 3, data: [1, 2]).appendPayload(kind: .filter, to: &payload)
        #expect(payload == [0, 0, 0, 3, 1, 2])
        let call = try payload.withUnsafeBytes { try ModuleCall(kind: .filter, payload: $0) }
        #expect(call.fileType == 3)
        #expect(call.data == [1, 2])

        var decoding: [UInt8] = []
        ModuleCall(data: [9]).appendPayload(kind: .decoding, to: &decoding)
        #expect(decoding == [9])

        var reply: [UInt8] = []
        ModuleReply(returnValue: -1, data: [7]).appendPayload(to: &reply)
        #expect(reply == [0xFF, 0xFF, 0xFF, 0xFF, 7])
        let decoded = try reply.withUnsafeBytes { try ModuleReply(payload: $0) }
        #expect(decoded.returnValue == -1)
        #expect(decoded.data == [7])
        #expect(throws: WireError.self) { try [UInt8]([0, 1]).withUnsafeBytes { try ModuleReply(payload: $0) } }
    }

    @Test func linesCodecKeepsOneValuePerLine() {
        var out: [UInt8] = []
        LinesCodec.appendLine(Array("a\nb\rc".utf8) + [0, 0, 65], to: &out)
        #expect(out == Array("a b c\n".utf8))
    }

    @Test func exitCodesThatAreNotRestarted() {
        #expect(!PluginExitCode.isRestartable(78))
        #expect(!PluginExitCode.isRestartable(64))
        #expect(PluginExitCode.isRestartable(1))
    }
}
