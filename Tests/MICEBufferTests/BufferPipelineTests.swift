// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import MICEBuffer
import MICECore
import MICEPluginHost
import MICEPluginManifest
import MICERecords
import MICETestSupport
import Synchronization
import Testing

/// A BufferDaemon entry with real modules: mice-dec-logformat decoding plaintext CipherMsg
/// records, and the test module as postprocessor.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct BufferPipelineTests {
    static let logger: Logger = {
        var logger = Logger(label: "mice.test.buffer")
        logger.logLevel = .critical
        return logger
    }()

    static func supervisor(_ name: String, configuration: [String: JSONValue] = [:]) throws -> PluginSupervisor {
        let manifest: PluginManifest
        if name == "mice-test-plugin" {
            manifest = PluginManifest(
                name: name, kind: .postprocessing, version: "1.0.0", description: "test postprocessor",
                exec: ["@bin/mice-test-plugin"], directory: TestPaths.repositoryRoot, file: "(test)")
        } else {
            manifest = try #require(try PluginDirectory.discover(root: TestPaths.pluginsRoot).manifest(named: name))
        }
        return PluginSupervisor(
            manifest: manifest,
            options: PluginSpawnOptions(binDirectory: TestPaths.binDirectory, configuration: configuration),
            logger: logger)
    }

    static func envelope(_ line: String) -> [UInt8] {
        let record = LogFormat(host: Array("host".utf8), logData: Array(line.utf8), fileType: LogFormat.FTF_FILE)
        return CipherMsg.plaintext(record.encode(layout: .seed)).encode()
    }

    /// Runs an entry while `body` runs, then drains and stops it.
    static func withPipeline(
        _ configuration: BufferPipeline.Configuration,
        postprocessorMode: String = "keep",
        _ body: (BufferPipeline) async throws -> Void
    ) async throws {
        let decoder = try supervisor("mice-dec-logformat")
        let postprocessor = try supervisor("mice-test-plugin", configuration: ["mode": .string(postprocessorMode)])
        let pipeline = BufferPipeline(
            configuration: configuration, decoder: decoder, postprocessor: postprocessor, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await decoder.run() }
            group.addTask { await postprocessor.run() }
            group.addTask { await pipeline.run() }
            do {
                try await body(pipeline)
            } catch {
                pipeline.stop()
                decoder.stop()
                postprocessor.stop()
                throw error
            }
            pipeline.stop()
            decoder.stop()
            postprocessor.stop()
            try await group.waitForAll()
        }
    }

    @Test func everyRecordIsStoredAndCompletedOnce() async throws {
        let completions = Mutex<[Int: Int]>([:])
        try await Self.withPipeline(.init(name: "t", capacity: 500, batchSize: 100, flushInterval: .milliseconds(200)))
        {
            pipeline in
            for chunk in stride(from: 0, to: 2000, by: 250) {
                let records = (chunk..<(chunk + 250)).map { index in
                    InboundRecord(bytes: Self.envelope("line \(index)")) { stored in
                        if stored { completions.withLock { $0[index, default: 0] += 1 } }
                    }
                }
                try await pipeline.submit(records)
            }
            let deadline = ContinuousClock.now + .seconds(30)
            while completions.withLock({ $0.count }) < 2000, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(pipeline.statistics.stored == 2000)
            #expect(pipeline.statistics.dropped == 0)
        }
        #expect(completions.withLock { $0.count } == 2000)
        #expect(completions.withLock { $0.values.allSatisfy { $0 == 1 } })
    }

    @Test func aFullBatchGoesOutBeforeTheInterval() async throws {
        let done = Mutex(0)
        try await Self.withPipeline(.init(name: "t", capacity: 100, batchSize: 50, flushInterval: .seconds(60))) {
            pipeline in
            let started = ContinuousClock.now
            try await pipeline.submit(
                (0..<50).map { InboundRecord(bytes: Self.envelope("x \($0)")) { _ in done.withLock { $0 += 1 } } })
            while done.withLock({ $0 }) < 50, ContinuousClock.now - started < .seconds(20) {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(done.withLock { $0 } == 50)
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    @Test func aPartialBatchGoesOutAfterTheInterval() async throws {
        let done = Mutex(0)
        try await Self.withPipeline(.init(name: "t", capacity: 100, batchSize: 1000, flushInterval: .milliseconds(300)))
        {
            pipeline in
            try await pipeline.submit(
                (0..<3).map { InboundRecord(bytes: Self.envelope("x \($0)")) { _ in done.withLock { $0 += 1 } } })
            let started = ContinuousClock.now
            while done.withLock({ $0 }) < 3, ContinuousClock.now - started < .seconds(10) {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(done.withLock { $0 } == 3)
        }
    }

    @Test func recordsTheDecoderRefusesAreCountedNotStored() async throws {
        try await Self.withPipeline(.init(name: "t", capacity: 100, batchSize: 10, flushInterval: .milliseconds(100))) {
            pipeline in
            var forged = Self.envelope("forged")
            forged[24 + 1686] ^= 0xFF  // break the LogFormat checksum
            try await pipeline.submit([InboundRecord(bytes: forged), InboundRecord(bytes: Self.envelope("good"))])
            let deadline = ContinuousClock.now + .seconds(10)
            while pipeline.statistics.stored < 1, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(pipeline.statistics.rejected == 1)
            #expect(pipeline.statistics.stored == 1)
        }
    }

    @Test func aFailingStoreKeepsRecordsAndRetries() async throws {
        let completed = Mutex(0)
        try await Self.withPipeline(
            .init(name: "t", capacity: 100, batchSize: 10, flushInterval: .milliseconds(50)), postprocessorMode: "throw"
        ) { pipeline in
            try await pipeline.submit(
                (0..<5).map { InboundRecord(bytes: Self.envelope("x \($0)")) { _ in completed.withLock { $0 += 1 } } })
            let deadline = ContinuousClock.now + .seconds(10)
            while pipeline.statistics.failures < 10, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(pipeline.statistics.failures >= 10, "the batch is retried")
            #expect(completed.withLock { $0 } == 0, "nothing is completed while the store fails")
        }
    }
}
