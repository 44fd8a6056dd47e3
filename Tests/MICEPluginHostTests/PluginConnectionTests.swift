// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import MICECore
import MICEPluginManifest
import MICEWire
import Testing

@testable import MICEPluginHost

extension ProcessSuites {
    @Suite("PluginConnection with fake plugins", .timeLimit(.minutes(1)))
    struct PluginConnectionTests {
        let logger = FakePlugins.logger

        @Test("ok-echo: handshake, single call, batch, ERROR per call, shutdown exit 0")
        func okEcho() async throws {
            let manifest = try FakePlugins.manifest("ok-echo")
            let connection = try await PluginConnection.launch(manifest: manifest, logger: logger)
            #expect(connection.hello?.name == "ok-echo")
            #expect(connection.initValue == 0)
            #expect(connection.maxFrameBytes == 1 << 20)

            let keep = try await connection.call(ModuleCall(fileType: 1, data: Array("keep me".utf8)))
            #expect(keep.returnValue == 0)
            let drop = try await connection.call(ModuleCall(fileType: 1, data: Array("drop me".utf8)))
            #expect(drop.returnValue == 1)

            let batch = (0..<1000).map {
                ModuleCall(fileType: 1, data: Array(($0 % 3 == 0 ? "drop \($0)" : "keep \($0)").utf8))
            }
            let replies = try await connection.call(batch: batch)
            #expect(replies.count == 1000)
            #expect(replies.enumerated().allSatisfy { $0.element.returnValue == ($0.offset % 3 == 0 ? 1 : 0) })

            let results = try await connection.callResults(batch: [
                ModuleCall(fileType: 1, data: Array("keep".utf8)),
                ModuleCall(fileType: 1, data: Array("error".utf8)),
            ])
            #expect((try? results[0].get())?.returnValue == 0)
            guard case .failure(let error) = results[1] else {
                Issue.record("expected a per-call failure")
                return
            }
            #expect(error.code == .moduleError)
            #expect(error.moduleErrorCode == 3)
            #expect(connection.isOpen)

            let values = try await connection.callReturnValues(
                fileType: 1,
                payloads: [Array("keep".utf8), Array("error".utf8), Array("drop".utf8)],
                errorValue: -1
            )
            #expect(values == [0, -1, 1])

            let status = await connection.shutdown(reason: "test done")
            #expect(status == .exited(0))
            #expect(connection.isOpen == false)
        }

        @Test("ok-echo with echo: REPLY data comes back; config reaches the module")
        func echoData() async throws {
            let manifest = try FakePlugins.manifest("ok-echo")
            let connection = try await PluginConnection.launch(
                manifest: manifest,
                options: PluginSpawnOptions(configuration: ["echo": .bool(true)]),
                logger: logger
            )
            let record = [UInt8](repeating: 0x41, count: 1688)
            let replies = try await connection.call(
                batch: Array(repeating: ModuleCall(fileType: 1, data: record), count: 300))
            #expect(replies.allSatisfy { $0.data == record })
            await connection.shutdown()
        }
    }
}
