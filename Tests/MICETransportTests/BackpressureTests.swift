// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETransport
import Synchronization
import Testing

@Suite("Back pressure and full spools", .timeLimit(.minutes(3)))
struct BackpressureTests {
    @Test("a stalled consumer stops the server reading; the sender's writes stall instead of piling up in memory")
    func slowConsumerPushesBack() async throws {
        let directory = try TemporaryDirectory("bp")
        defer { directory.remove() }
        let server = try await LinkServer.bind(
            configuration: .init(
                link: "test", mode: .acked, recordSize: 1712, endpoint: .tcp(host: "127.0.0.1", port: 0),
                maxBufferedRecords: 64),
            logger: quietLogger)
        let port = try #require(server.port)
        let gate = Gate()
        let received = Received()
        let client = try await LinkClient(
            configuration: clientConfiguration(
                endpoint: .tcp(host: "127.0.0.1", port: port), spool: directory.path + "/spool"),
            logger: quietLogger)
        let total = 30_000
        try await withRunningServer(
            server,
            RecordSink { record in
                await gate.wait()
                received.add(record)
                record.acknowledge()
            }
        ) {
            try await withRunningClient(client) {
                for start in stride(from: 1, through: total, by: 1000) {
                    try await client.send(
                        contentsOf: (start..<(start + 1000)).map { makeRecord(id: UInt64($0), size: 1712) })
                }
                let written = try await settled { client.statistics.recordsWritten }
                print(
                    "back pressure: sender stalled after writing \(written) of \(total) records (\((written * 1712) >> 20) MiB)"
                )
                // What is in flight is bounded by socket buffers and the per-connection read-ahead,
                // not by the 51 MB the sender has spooled.
                #expect(written < total / 2, "sender kept writing: \(written) of \(total)")
                // The records of one socket read are handed over together: at most one read's worth
                // (a 64 KiB read holds 38 of these records) reached the stalled consumer.
                #expect(server.statistics.recordsDelivered <= 64)
                #expect(client.statistics.pendingRecords == UInt64(total))
                gate.open()
                try await client.waitUntilDelivered(timeout: .seconds(90))
            }
        }
        #expect(received.all.compactMap(\.id) == (1...total).map { UInt64($0) })
        client.close()
    }

    @Test("full spool with policy block: the producer waits until acknowledgements free space")
    func blockPolicyStopsProducer() async throws {
        let directory = try TemporaryDirectory("bp")
        defer { directory.remove() }
        let server = try await LinkServer.bind(
            configuration: .init(
                link: "test", mode: .acked, recordSize: 1712, endpoint: .tcp(host: "127.0.0.1", port: 0),
                maxBufferedRecords: 16),
            logger: quietLogger)
        let port = try #require(server.port)
        let gate = Gate()
        let received = Received()
        let client = try await LinkClient(
            configuration: clientConfiguration(
                endpoint: .tcp(host: "127.0.0.1", port: port), spool: directory.path + "/spool", maxBytes: 1 << 20),
            logger: quietLogger)
        let produced = Counter()
        try await withRunningServer(
            server,
            RecordSink { record in
                await gate.wait()
                received.add(record)
                record.acknowledge()
            }
        ) {
            try await withRunningClient(client) {
                let producer = Task {
                    for id in 1...3000 {
                        try await client.send(makeRecord(id: UInt64(id), size: 1712))
                        produced.increment()
                    }
                }
                let stalledAt = try await settled { produced.value }
                #expect(stalledAt < 3000, "the producer was not held back")
                #expect(client.statistics.spoolBytes <= 1 << 20)
                gate.open()
                try await producer.value
                try await client.waitUntilDelivered(timeout: .seconds(60))
            }
        }
        #expect(received.all.compactMap(\.id) == (1...3000).map { UInt64($0) })
        #expect(client.statistics.recordsDropped == 0)
        client.close()
    }

    @Test("full spool with policy dropNewest: records beyond the limit are dropped and counted")
    func dropNewestCounts() async throws {
        let directory = try TemporaryDirectory("bp")
        defer { directory.remove() }
        let client = try await LinkClient(
            configuration: clientConfiguration(
                endpoint: .tcp(host: "127.0.0.1", port: 9), spool: directory.path + "/spool", maxBytes: 256 << 10,
                whenFull: .dropNewest),
            logger: quietLogger)
        var spooled = 0
        var dropped = 0
        for id in 1...500 {
            switch try await client.send(makeRecord(id: UInt64(id), size: 1712)) {
            case .spooled: spooled += 1
            case .dropped: dropped += 1
            }
        }
        #expect(spooled > 50)
        #expect(dropped > 0)
        #expect(spooled + dropped == 500)
        #expect(client.statistics.recordsDropped == dropped)
        #expect(client.statistics.pendingRecords == UInt64(spooled))
        client.close()
    }
}

/// Holds tasks until opened.
final class Gate: Sendable {
    private let state = Mutex<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resume = state.withLock { state in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if resume { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A counter shared between tasks.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
