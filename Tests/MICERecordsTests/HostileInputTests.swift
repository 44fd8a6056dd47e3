// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import MICERecords
import MICETestSupport
import Testing

/// Random, truncated and oversized inputs: every decoder either decodes or throws, never traps.
@Suite struct HostileInputTests {
    private static let kinds: [RecordKind] = [
        .logFormat(.seed), .logFormat(.v02), .idmefMessage, .ridMessage, .reactionMessage(.i386),
        .reactionMessage(.x86_64),
    ]

    @Test(arguments: kinds)
    func randomBytesDecodeWithoutTrapping(kind: RecordKind) throws {
        var random = SplitMix64(seed: UInt64(kind.size) * 31)
        for round in 0..<6 {
            var bytes = random.bytes(kind.size)
            if round == 1 { bytes = [UInt8](repeating: 0xFF, count: kind.size) }
            if round == 2 { bytes = [UInt8](repeating: 0, count: kind.size) }
            if round == 3, case .reactionMessage(let architecture) = kind {
                // A valid-looking mode with random union content.
                bytes.replaceSubrange(
                    architecture.modeOffset..<(architecture.modeOffset + 4), with: [0, 0, 0x10, 0x01])
            }
            let json = try kind.jsonObject(decoding: bytes)
            // Whatever was decoded can be encoded again, and that is a fixed point.
            let encoded = try kind.encode(json: json, keepGivenChecksum: true)
            #expect(encoded.count == kind.size)
            #expect(try kind.encode(json: try kind.jsonObject(decoding: encoded), keepGivenChecksum: true) == encoded)
            _ = try kind.verifyChecksum(of: bytes)
        }
    }

    @Test(arguments: kinds)
    func truncatedAndOversizedInputsThrow(kind: RecordKind) {
        for count in [0, 1, kind.size / 2, kind.size - 1, kind.size + 1] {
            let bytes = [UInt8](repeating: 0x41, count: count)
            #expect(throws: RecordError.self) { try kind.jsonObject(decoding: bytes) }
            #expect(throws: RecordError.self) { try CipherMsg(decoding: bytes, kind: kind) }
            #expect(throws: RecordError.self) { try kind.verifyChecksum(of: bytes) }
        }
    }

    @Test func randomEnvelopes() {
        var random = SplitMix64(seed: 5)
        let kind = RecordKind.logFormat(.seed)
        for _ in 0..<50 {
            var bytes = random.bytes(kind.envelopeSize)
            if Bool.random(using: &random) {
                bytes.replaceSubrange(20..<24, with: [0x98, 0x06, 0, 0])
            }
            if let envelope = try? CipherMsg(decoding: bytes, kind: kind) {
                #expect(envelope.payload.count == 1688)
                #expect(envelope.encode() == bytes)
            }
        }
    }

    @Test func noTerminatorAnywhere() throws {
        let bytes = [UInt8](repeating: 0x41, count: ExecMessage.size)
        let exec = try ExecMessage(decoding: bytes)
        #expect(exec.alertID.count == 101 && exec.argFormatString.count == 1025)
        let idmef = try IdmefMsgFormat(decoding: [UInt8](repeating: 0x41, count: IdmefMsgFormat.size))
        #expect(idmef.message.count == 10241)
        #expect(idmef.encode(computeChecksum: false)[10240] == 0)
    }

    @Test func garbageJSONShapesThrow() {
        let shapes: [JSONValue] = [
            .null, 5, "x", [1, 2], ["cHost": ["base64": 5]], ["cHost": ["nope": "x"]], ["sChkSum": -1],
            ["sChkSum": .double(1.5)], ["iDaylight": 3_000_000_000],
        ]
        for shape in shapes {
            #expect(throws: RecordError.self) { try RecordKind.logFormat(.v02).encode(json: shape) }
        }
    }
}
