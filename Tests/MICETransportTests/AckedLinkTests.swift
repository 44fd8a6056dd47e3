// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETransport
import MICEWire
import NIOCore
import NIOPosix
import Testing

@Suite("Acked links over real sockets", .timeLimit(.minutes(3)))
struct AckedLinkTests {
    @Test("10,000 records end to end, each handed out exactly once, all acknowledged")
    func tenThousandRecords() async throws {
        let directory = try TemporaryDirectory("acked")
        defer { directory.remove() }
        let server = try await LinkServer.bind(
            configuration: .init(link: "test", mode: .acked, recordSize: 1712, endpoint: .tcp(host: "127.0.0.1", port: 0)),
            logger: quietLogger)
        let port = try #require(server.port)
        let received = Received()
        let client = try await LinkClient(
            configuration: clientConfiguration(endpoint: .tcp(host: "127.0.0.1", port: port), spool: directory.path + "/spool"),
            logger: quietLogger)
        try await withRunningServer(server, onRecord: { record in
            received.add(record)
            record.acknowledge()
        }) {
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
}
