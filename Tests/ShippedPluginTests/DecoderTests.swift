// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import MICECrypto
import MICEPluginHost
import MICERecords
import MICETestSupport
import MICEWire
import Testing

/// The decoding plugins, fed with envelopes that the C program contrib/build/mice-cipher sealed
/// the original way (libmcrypt Twofish CFB-8, one call per byte).
@Suite("Shipped plugins: decoders", .timeLimit(.minutes(5)))
struct DecoderTests {
    static let key = "interop password 16+"
    static let keyed: [String: JSONValue] = ["key": .string(key)]

    /// Three distinct LogFormat records of `layout`, checksums valid.
    static func inners(_ layout: LogFormatLayout) -> [[UInt8]] {
        (0..<3).map { ShippedPlugins.record("Sep  5 18:55:0\($0) host sshd[\($0)]: record \($0)", layout: layout) }
    }

    // MARK: - mice-dec-logformat

    @Test(
        "CipherMsg from mice-cipher → the LogFormat, byte for byte; init = envelope size",
        arguments: [LogFormatLayout.seed, .v02])
    func decodesCEnvelopes(layout: LogFormatLayout) async throws {
        let inners = Self.inners(layout)
        let envelopes = try CipherProgram.encrypt(inners, key: Self.key, innerSize: layout.size)
        #expect(envelopes.allSatisfy { $0.prefix(4) == [16, 0, 0, 0] })
        try await ShippedPlugins.withPlugin("mice-dec-logformat", layout: layout, configuration: Self.keyed) { plugin in
            #expect(plugin.initValue == (layout == .seed ? 1712 : 6632))
            let replies = try await plugin.call(batch: envelopes.map { ModuleCall(data: $0) })
            #expect(replies.map(\.returnValue) == [0, 0, 0])
            #expect(replies.map(\.data) == inners)
        }
    }

    @Test("the spec's golden vector (section 12): mice-cipher's bytes, decoded back to the record")
    func goldenVector() async throws {
        let inner = specExampleLogFormat(fileType: 1).encode(layout: .v02)
        #expect(inner[6604..<6606] == [0x4B, 0x1E])
        let envelope = try #require(
            try CipherProgram.encrypt([inner], key: "ChangeMe :-P", innerSize: 6608, iv: Array(0..<16)).first)
        let expected = RecordJSON.bytes(
            fromHex: "10000000000102030405060708090a0b0c0d0e0fd01900009a62ffb3fee3720e3e34344f5a6679adb63beca73f1f502c")
        #expect(Array(envelope.prefix(48)) == expected)
        let configuration: [String: JSONValue] = ["key": .string("ChangeMe :-P")]
        try await ShippedPlugins.withPlugin("mice-dec-logformat", layout: .v02, configuration: configuration) {
            plugin in
            let reply = try await plugin.call(ModuleCall(data: envelope))
            #expect(reply.returnValue == 0)
            #expect(reply.data == inner)
        }
    }

    @Test("wrong key, bad checksum, plaintext without acceptPlaintext → -1; the session goes on")
    func refusals() async throws {
        let inners = Self.inners(.seed)
        let wrongKey = try CipherProgram.encrypt([inners[0]], key: "not the right key!", innerSize: 1688)[0]
        var corrupted = inners[1]
        corrupted[700] ^= 0x01  // log data changed after the checksum was computed
        let badChecksum = try CipherProgram.encrypt([corrupted], key: Self.key, innerSize: 1688)[0]
        let plaintext = CipherMsg.plaintext(inners[2]).encode()
        let good = try CipherProgram.encrypt([inners[2]], key: Self.key, innerSize: 1688)[0]
        var badLength = good
        badLength[20] = 0x99  // CipherTextLen no longer 1688
        try await ShippedPlugins.withPlugin("mice-dec-logformat", configuration: Self.keyed) { plugin in
            let replies = try await plugin.call(
                batch: [wrongKey, badChecksum, plaintext, badLength, good].map { ModuleCall(data: $0) })
            #expect(replies.map(\.returnValue) == [-1, -1, -1, -1, 0])
            #expect(replies.prefix(4).allSatisfy { $0.data.isEmpty })
            #expect(replies[4].data == inners[2])
            #expect(plugin.isOpen)
        }
    }

    @Test("plaintext: accepted with acceptPlaintext (and without a key), checksum still verified")
    func plaintext() async throws {
        let inners = Self.inners(.v02)
        var corrupted = inners[1]
        corrupted[800] ^= 0x20
        let calls = [inners[0], corrupted].map { ModuleCall(data: CipherMsg.plaintext($0).encode()) }
        let keyedPlaintext: [String: JSONValue] = ["key": .string(Self.key), "acceptPlaintext": .bool(true)]
        for configuration in [keyedPlaintext, [:]] {
            try await ShippedPlugins.withPlugin(
                "mice-dec-logformat", layout: .v02, configuration: configuration
            ) { plugin in
                let replies = try await plugin.call(batch: calls)
                #expect(replies.map(\.returnValue) == [0, -1])
                #expect(replies[0].data == inners[0])
            }
        }
    }

    @Test("a record of an original DataForwarder (0.2, uiFileType 1, checksum over uiFileType 0) is accepted")
    func originalDataForwarder() async throws {
        var inner = specExampleLogFormat(fileType: 0).encode(layout: .v02)
        #expect(inner[6604..<6606] == [0x4C, 0x1E])  // the spec's checksum 0x1e4c
        inner[4792] = 1  // the DataForwarder sets uiFileType after the format module's checksum
        #expect(try LogFormat.verifyChecksum(of: inner, layout: .v02) == .validWithFileTypeZero)
        let envelope = try CipherProgram.encrypt([inner], key: Self.key, innerSize: 6608)[0]
        try await ShippedPlugins.withPlugin("mice-dec-logformat", layout: .v02, configuration: Self.keyed) { plugin in
            let reply = try await plugin.call(ModuleCall(data: envelope))
            #expect(reply.returnValue == 0)
            #expect(reply.data == inner)
            #expect(try LogFormat(decoding: reply.data, layout: .v02).fileType == 1)
        }
    }

    @Test("a payload that is not one envelope of the link's size is ERROR 3 (bad call)")
    func wrongSize() async throws {
        let seedEnvelope = try CipherProgram.encrypt(Self.inners(.seed), key: Self.key, innerSize: 1688)[0]
        try await ShippedPlugins.withPlugin("mice-dec-logformat", layout: .v02, configuration: Self.keyed) { plugin in
            let results = try await plugin.callResults(batch: [
                ModuleCall(data: seedEnvelope), ModuleCall(data: Array(repeating: 0, count: 10)),
            ])
            for result in results {
                guard case .failure(let error) = result else {
                    Issue.record("a payload of the wrong size was decoded")
                    continue
                }
                #expect(error.moduleErrorCode == PluginErrorCode.badCall)
            }
            #expect(plugin.isOpen)
        }
    }

    @Test("configuration: a key under 5 bytes, or no key and no plaintext, is rejected naming the key")
    func badConfiguration() async throws {
        let short = try await ShippedPlugins.startError(
            "mice-dec-logformat", configuration: ["key": .string("abc")])
        #expect(short.code == .configurationRejected)
        #expect(short.detail.contains("\"key\""), "\(short.detail)")
        let nothing = try await ShippedPlugins.startError(
            "mice-dec-logformat", configuration: ["acceptPlaintext": .bool(false)])
        #expect(nothing.code == .configurationRejected)
        #expect(nothing.detail.contains("acceptPlaintext"), "\(nothing.detail)")
    }

    // MARK: - mice-dec-idmef

    static let idmef = """
        <?xml version="1.0" encoding="UTF-8"?>
        <IDMEF-Message version="1.0"><Alert messageid="0x1020"><Analyzer analyzerid="mice-aa"/>\
        <Classification text="sshd: Failed password for root"/></Alert></IDMEF-Message>

        """

    @Test("CipherIdmefMsg from mice-cipher → the 10241-byte field, starting with the XML; init 10267")
    func idmef() async throws {
        let message = IdmefMsgFormat(message: Array(Self.idmef.utf8))
        let inner = message.encode(computeChecksum: true)
        #expect(inner.count == 10243)
        let envelopes = try CipherProgram.encrypt([inner], key: Self.key, innerSize: 10243)
        let wrongKey = try CipherProgram.encrypt([inner], key: "not the right key!", innerSize: 10243)
        var corrupted = inner
        corrupted[3] ^= 0x01
        let badChecksum = try CipherProgram.encrypt([corrupted], key: Self.key, innerSize: 10243)
        let plaintext = CipherMsg.plaintext(inner).encode()
        try await ShippedPlugins.withPlugin("mice-dec-idmef", configuration: Self.keyed) { plugin in
            #expect(plugin.initValue == 10267)
            let replies = try await plugin.call(
                batch: (envelopes + wrongKey + badChecksum + [plaintext]).map { ModuleCall(data: $0) })
            #expect(replies.map(\.returnValue) == [0, -1, -1, -1])
            let field = replies[0].data
            #expect(field.count == 10241)
            #expect(Array(field.prefix(Self.idmef.utf8.count)) == Array(Self.idmef.utf8))
            #expect(field.dropFirst(Self.idmef.utf8.count).allSatisfy { $0 == 0 })
        }
    }

    @Test("mice-dec-idmef without a key takes plaintext envelopes, checksum verified")
    func idmefPlaintext() async throws {
        let inner = IdmefMsgFormat(message: Array("<?xml version=\"1.0\"?>\n<IDMEF-Message version=\"1.0\"/>\n".utf8))
            .encode()
        #expect(inner[10241..<10243] == [0xFA, 0x2C])  // the spec's checksum 0x2cfa
        var corrupted = inner
        corrupted[10242] ^= 0xFF
        try await ShippedPlugins.withPlugin("mice-dec-idmef") { plugin in
            let replies = try await plugin.call(batch: [
                ModuleCall(data: CipherMsg.plaintext(inner).encode()),
                ModuleCall(data: CipherMsg.plaintext(corrupted).encode()),
            ])
            #expect(replies.map(\.returnValue) == [0, -1])
            #expect(replies[0].data == Array(inner.prefix(10241)))
        }
    }
}
