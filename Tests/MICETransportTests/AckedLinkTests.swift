// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETransport
import MICEWire
import NIOCore
import NIOPosix
import Synchronization
import Testing

@Suite("Acked links over real sockets", .timeLimit(.minutes(3)))
struct AckedLinkTests {
    @Test("10,000 records end to end, each handed out exactly once, all acknowledged")
    func tenThousandRecords() async throws {
        let directory = try TemporaryDirectory("acked")
        defer { directory.remove() }
        let (server, port) = try await loopbackAckedServer(recordSize: 1712)
        let received = Received()
        let client = try await LinkClient(
            configuration: clientConfiguration(
                endpoint: .tcp(host: "127.0.0.1", port: port), spool: directory.path + "/spool"),
            logger: quietLogger)
        try await withRunningServer(
            server,
            RecordSink { record in
                received.add(record)
                record.acknowledge()
            }
        ) {
            try await withRunningClient(client) {
                for start in stride(from: 1, through: 10_000, by: 500) {
                    let batch = (start..<(start + 500)).map { makeRecord(id: UInt64($0), size: 1712) }
                    let sequences = try await client.send(contentsOf: batch)
                    #expect(sequences.count == 500)
                }
                try await client.waitUntilDelivered(timeout: .seconds(60))
            }
        }
        let all = received.all
        #expect(all.count == 10_000)
        #expect(Set(all.compactMap(\.id)) == Set(1...10_000))
        #expect(all.map(\.sequence) == Array(1...10_000))
        #expect(Set(all.map(\.sender)) == [client.senderID])
        let statistics = client.statistics
        #expect(statistics.pendingRecords == 0)
        #expect(statistics.acknowledgedSequence == 10_000)
        #expect(statistics.recordsWritten == 10_000)
        // Every segment is gone once everything is acknowledged.
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/spool")
        #expect(files.filter { $0.hasSuffix(".spool") }.isEmpty)
        #expect(server.statistics.duplicatesSkipped == 0)
        #expect(server.statistics.acksSent > 0)
        client.close()
    }

    @Test("four senders at once on one listener: each sender's records complete, in order, deduplicated separately")
    func manySenders() async throws {
        let directory = try TemporaryDirectory("many")
        defer { directory.remove() }
        let (server, port) = try await loopbackAckedServer(recordSize: 1712)
        let received = Received()
        var clients: [LinkClient] = []
        for index in 0..<4 {
            clients.append(
                try await LinkClient(
                    configuration: clientConfiguration(
                        endpoint: .tcp(host: "127.0.0.1", port: port), spool: directory.path + "/spool\(index)"),
                    logger: quietLogger))
        }
        let senders = clients
        try await withRunningServer(
            server,
            RecordSink { record in
                received.add(record)
                record.acknowledge()
            }
        ) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, client) in senders.enumerated() {
                    group.addTask {
                        try await withRunningClient(client) {
                            let base = UInt64(index * 100_000)
                            for start in stride(from: 1, through: 2500, by: 250) {
                                try await client.send(
                                    contentsOf: (start..<(start + 250)).map {
                                        makeRecord(id: base + UInt64($0), size: 1712)
                                    })
                            }
                            try await client.waitUntilDelivered(timeout: .seconds(60))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        #expect(server.statistics.connectionsAccepted >= 4)
        for (index, client) in senders.enumerated() {
            let mine = received.all.filter { $0.sender == client.senderID }
            #expect(mine.map(\.sequence) == Array(1...2500))
            #expect(mine.compactMap(\.id) == (1...2500).map { UInt64(index * 100_000 + $0) })
            client.close()
        }
        #expect(Set(senders.map(\.senderID)).count == 4)
    }

    @Test(
        "server stopped abruptly mid-stream and restarted on the same port: every record at least once, exactly once by sequence"
    )
    func serverRestartMidStream() async throws {
        let directory = try TemporaryDirectory("acked")
        defer { directory.remove() }
        let configuration = LinkServer.Configuration(
            link: "test", mode: .acked, recordSize: 1712, endpoint: .tcp(host: "127.0.0.1", port: 0))
        let first = try await LinkServer.bind(configuration: configuration, logger: quietLogger)
        let port = try #require(first.port)
        let received = Received()
        let client = try await LinkClient(
            configuration: clientConfiguration(
                endpoint: .tcp(host: "127.0.0.1", port: port), spool: directory.path + "/spool"),
            logger: quietLogger)
        try await withRunningClient(client) {
            let sending = Task {
                for start in stride(from: 1, through: 20_000, by: 200) {
                    try await client.send(
                        contentsOf: (start..<(start + 200)).map { makeRecord(id: UInt64($0), size: 1712) })
                }
            }
            // The first server acknowledges only every 50th record's batch late: some records are
            // handed out but not acknowledged when it dies, so the sender must resend them.
            let serving = Task {
                try await first.run { record in
                    received.add(record)
                    if record.sequence % 7 != 0 { record.acknowledge() }
                }
            }
            try await eventually("5000 records at the first server") { received.count >= 5000 }
            serving.cancel()
            _ = try? await serving.value
            let beforeRestart = received.count
            #expect(beforeRestart < 20_000)
            // No watermark persisted by the "application": the new server starts at 0 and must
            // still end up with every record.
            var again = configuration
            again.endpoint = .tcp(host: "127.0.0.1", port: port)
            let second = try await LinkServer.bind(configuration: again, logger: quietLogger)
            try await withRunningServer(
                second,
                RecordSink { record in
                    received.add(record)
                    record.acknowledge()
                }
            ) {
                try await sending.value
                try await client.waitUntilDelivered(timeout: .seconds(60))
            }
        }
        let all = received.all
        #expect(Set(all.compactMap(\.id)) == Set(1...20_000))
        let bySequence = Dictionary(
            all.map { ($0.sequence, $0.id) },
            uniquingKeysWith: { first, second in
                #expect(first == second, "one sequence number, two different records")
                return first
            })
        #expect(bySequence.count == 20_000)
        #expect(all.count >= 20_000)
        #expect(client.statistics.connections >= 2)
        client.close()
    }

    @Test("a reconnect while the application still holds unacknowledged records does not hand them out twice")
    func duplicatesAcrossConnectionsSkipped() async throws {
        let directory = try TemporaryDirectory("acked")
        defer { directory.remove() }
        let (server, port) = try await loopbackAckedServer(recordSize: 256)
        let received = Received()
        let held = HeldRecords()
        let client = try await LinkClient(
            configuration: clientConfiguration(
                recordSize: 256, endpoint: .tcp(host: "127.0.0.1", port: port), spool: directory.path + "/spool"),
            logger: quietLogger)
        try await withRunningServer(
            server,
            RecordSink { record in
                // Held first: the test acknowledges once it has counted the record.
                held.add(record)
                received.add(record)
            }
        ) {
            let firstRun = Task { await client.run() }
            try await client.send(contentsOf: (1...100).map { makeRecord(id: $0, size: 256) })
            try await eventually("100 records handed out") { received.count == 100 }
            // The sender goes away with nothing acknowledged, and comes back.
            firstRun.cancel()
            await firstRun.value
            #expect(client.statistics.pendingRecords == 100)
            try await withRunningClient(client) {
                try await eventually("second connection") { client.statistics.connections == 2 }
                try await eventually("resends skipped") { server.statistics.duplicatesSkipped == 100 }
                // Acknowledge out of order: the watermark moves only over a gap-free prefix.
                held.acknowledge { $0 > 50 }
                try await Task.sleep(for: .milliseconds(50))
                #expect(client.statistics.acknowledgedSequence == 0)
                held.acknowledge { $0 <= 50 }
                try await client.waitUntilDelivered(timeout: .seconds(20))
            }
        }
        #expect(received.count == 100)
        #expect(client.statistics.acknowledgedSequence == 100)
        client.close()
    }

    @Test("one cumulative acknowledgement covers a batch committed in order")
    func cumulativeAcknowledgement() async throws {
        let directory = try TemporaryDirectory("acked")
        defer { directory.remove() }
        let (server, port) = try await loopbackAckedServer(recordSize: 64)
        let held = HeldRecords()
        let received = Received()
        let client = try await LinkClient(
            configuration: clientConfiguration(
                recordSize: 64, endpoint: .tcp(host: "127.0.0.1", port: port), spool: directory.path + "/spool"),
            logger: quietLogger)
        try await withRunningServer(
            server,
            RecordSink { record in
                held.add(record)
                received.add(record)
            }
        ) {
            try await withRunningClient(client) {
                try await client.send(contentsOf: (1...100).map { makeRecord(id: $0, size: 64) })
                try await eventually("100 handed out") { received.count == 100 }
                held.acknowledgeIncludingEarlier(60)
                try await eventually("60 acknowledged") { client.statistics.acknowledgedSequence == 60 }
                held.acknowledgeIncludingEarlier(100)
                try await client.waitUntilDelivered(timeout: .seconds(20))
            }
        }
        #expect(client.statistics.acknowledgedSequence == 100)
        client.close()
    }

    @Test("a receiver that refuses the link (record size) gets retried, nothing is lost or dropped")
    func refusedHandshake() async throws {
        let directory = try TemporaryDirectory("acked")
        defer { directory.remove() }
        let (server, port) = try await loopbackAckedServer(recordSize: 6632)
        let client = try await LinkClient(
            configuration: clientConfiguration(
                endpoint: .tcp(host: "127.0.0.1", port: port), spool: directory.path + "/spool"),
            logger: quietLogger)
        try await withRunningServer(server, RecordSink { $0.acknowledge() }) {
            try await withRunningClient(client) {
                try await client.send(makeRecord(id: 1, size: 1712))
                try await eventually("refusals") {
                    client.statistics.connectionFailures >= 2 && server.statistics.protocolErrors >= 2
                }
            }
        }
        #expect(server.statistics.recordsDelivered == 0)
        #expect(client.statistics.pendingRecords == 1)
        #expect(client.statistics.connections == 0)
        client.close()
    }

    @Test("send refuses a record of the wrong size")
    func wrongRecordSize() async throws {
        let directory = try TemporaryDirectory("acked")
        defer { directory.remove() }
        let client = try await LinkClient(
            configuration: clientConfiguration(
                endpoint: .tcp(host: "127.0.0.1", port: 9), spool: directory.path + "/spool"),
            logger: quietLogger)
        await #expect(throws: LinkError.self) { try await client.send([UInt8](repeating: 0, count: 1711)) }
        client.close()
    }

    @Test("graceful shutdown: stop accepting, deliver what was read, wait for the acknowledgements, send the last ACK")
    func gracefulShutdown() async throws {
        let directory = try TemporaryDirectory("acked")
        defer { directory.remove() }
        let (server, port) = try await loopbackAckedServer(recordSize: 512)
        let received = Received()
        let held = HeldRecords()
        let client = try await LinkClient(
            configuration: clientConfiguration(
                recordSize: 512, endpoint: .tcp(host: "127.0.0.1", port: port), spool: directory.path + "/spool"),
            logger: quietLogger)
        try await withRunningClient(client) {
            let serving = Task {
                try await server.run { record in
                    held.add(record)
                    received.add(record)
                }
            }
            try await client.send(contentsOf: (1...50).map { makeRecord(id: $0, size: 512) })
            try await eventually("50 handed out") { received.count == 50 }
            server.shutdown()
            // The application finishes its work after the shutdown started: the ACK still goes out.
            held.acknowledge { _ in true }
            try await serving.value
            try await eventually("all acknowledged") { client.statistics.acknowledgedSequence == 50 }
            // The listener is closed: nothing accepts any more.
            #expect(throws: (any Error).self) { try RawSocket(port: port) }
        }
        client.close()
    }
}

/// Records the application holds back before acknowledging them.
final class HeldRecords: Sendable {
    private let records = Mutex<[LinkRecord]>([])

    func add(_ record: LinkRecord) {
        records.withLock { $0.append(record) }
    }

    /// Acknowledges (and forgets) the held records whose sequence satisfies `which`.
    func acknowledge(_ which: (UInt64) -> Bool) {
        let chosen = records.withLock { records in
            let chosen = records.filter { which($0.sequence) }
            records.removeAll { which($0.sequence) }
            return chosen
        }
        for record in chosen.reversed() { record.acknowledge() }
    }

    /// Acknowledges the held record `sequence` cumulatively (it and every earlier one).
    func acknowledgeIncludingEarlier(_ sequence: UInt64) {
        let record = records.withLock { $0.first { $0.sequence == sequence } }
        record?.acknowledge(includingEarlier: true)
    }
}

@Suite("Acked listener against hostile or confused peers", .timeLimit(.minutes(1)))
struct AckedListenerInputTests {
    @Test(
        "garbage, an oversized frame, a wrong first frame or link name: that connection closes, the listener keeps serving"
    )
    func hostileInput() async throws {
        let directory = try TemporaryDirectory("hostile")
        defer { directory.remove() }
        let server = try await LinkServer.bind(
            configuration: .init(
                link: "rawlogdb", mode: .acked, recordSize: 128, endpoint: .tcp(host: "127.0.0.1", port: 0)),
            logger: quietLogger)
        let port = try #require(server.port)
        let received = Received()
        try await withRunningServer(
            server,
            RecordSink { record in
                received.add(record)
                record.acknowledge()
            }
        ) {
            // Non-zero reserved flags in the first header.
            let garbage = try RawSocket(port: port)
            try garbage.write(Array("GET / HTTP/1.0\r\n\r\n".utf8))
            // A header announcing a 100 MB payload.
            let oversized = try RawSocket(port: port)
            var header = [UInt8](repeating: 0, count: 16)
            header[0] = 0x06
            header[5] = 20
            try oversized.write(header)
            // A RECORD before LINK_HELLO.
            let noHello = try RawSocket(port: port)
            try noHello.write(Frame(type: .record, id: 1, payload: makeRecord(id: 1, size: 128)).encoded)
            // The wrong link name.
            let wrongLink = try RawSocket(port: port)
            let hello = LinkHelloMessage(link: "aa", sender: "x", recordSize: 128)
            try wrongLink.write(ControlCoding.frame(.linkHello, hello).encoded)
            try await eventually("four refused connections") { server.statistics.protocolErrors == 4 }
            for socket in [garbage, oversized, noHello, wrongLink] { socket.close() }

            // A well-behaved sender is still served.
            let client = try await LinkClient(
                configuration: LinkClient.Configuration(
                    link: "rawlogdb", mode: .acked, recordSize: 128, endpoint: .tcp(host: "127.0.0.1", port: port),
                    spool: .init(directory: directory.path + "/spool", sync: .never)),
                logger: quietLogger)
            try await withRunningClient(client) {
                try await client.send(contentsOf: (1...10).map { makeRecord(id: $0, size: 128) })
                try await client.waitUntilDelivered(timeout: .seconds(20))
            }
            client.close()
        }
        #expect(received.all.compactMap(\.id) == Array(1...10))
    }

    @Test("a record of the wrong size inside a session is refused with ERROR and never delivered")
    func wrongSizeRecordFrame() async throws {
        let server = try await LinkServer.bind(
            configuration: .init(
                link: "rawlogdb", mode: .acked, recordSize: 128, endpoint: .tcp(host: "127.0.0.1", port: 0)),
            logger: quietLogger)
        let port = try #require(server.port)
        let received = Received()
        try await withRunningServer(server, RecordSink { received.add($0) }) {
            let socket = try RawSocket(port: port)
            let hello = LinkHelloMessage(link: "rawlogdb", sender: "raw", recordSize: 128)
            try socket.write(ControlCoding.frame(.linkHello, hello).encoded)
            try socket.write(Frame(type: .record, id: 1, payload: makeRecord(id: 1, size: 127)).encoded)
            try await eventually("refused") { server.statistics.protocolErrors == 1 }
            socket.close()
        }
        #expect(received.count == 0)
    }
}
