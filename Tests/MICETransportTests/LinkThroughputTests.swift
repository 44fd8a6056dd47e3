// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETLS
import MICETransport
import Testing

/// Records per second over loopback in acked mode, through the spool, with real acknowledgements.
/// `MICE_LINK_BENCH_RECORDS` sets the count (default 100,000).
@Suite("Link throughput over loopback", .serialized, .timeLimit(.minutes(5)))
struct LinkThroughputTests {
    @Test("acked mode, 1712-byte records in batches of 500", arguments: [DiskSpool.SyncPolicy.never, .perBatch])
    func ackedThroughput(sync: DiskSpool.SyncPolicy) async throws {
        try await measure(sync: sync, tls: false)
    }

    @Test("acked mode over mutual TLS, 1712-byte records in batches of 500")
    func ackedThroughputTLS() async throws {
        try await measure(sync: .never, tls: true)
    }

    func measure(sync: DiskSpool.SyncPolicy, tls: Bool) async throws {
        let total = Int(ProcessInfo.processInfo.environment["MICE_LINK_BENCH_RECORDS"] ?? "") ?? 100_000
        let recordSize = 1712
        let batchSize = 500
        let directory = try TemporaryDirectory("bench")
        defer { directory.remove() }
        var serverIdentity: TLSIdentity?
        var clientIdentity: TLSIdentity?
        if tls {
            let pki = PKI(directory: directory.path + "/pki")
            try pki.initialize()
            try pki.issue(name: "server", ipAddresses: ["127.0.0.1"])
            try pki.issue(name: "client")
            serverIdentity = try TLSIdentity.load(TLSSettings(pkiDirectory: pki.directory, certificateName: "server"))
            clientIdentity = try TLSIdentity.load(TLSSettings(pkiDirectory: pki.directory, certificateName: "client"))
        }
        let server = try await LinkServer.bind(
            configuration: .init(
                link: "test", mode: .acked, recordSize: recordSize, endpoint: .tcp(host: "127.0.0.1", port: 0),
                tls: serverIdentity),
            logger: quietLogger)
        let port = try #require(server.port)
        let count = Counter()
        var configuration = clientConfiguration(
            endpoint: .tcp(host: "127.0.0.1", port: port), spool: directory.path + "/spool", sync: sync)
        configuration.tls = clientIdentity
        let client = try await LinkClient(configuration: configuration, logger: quietLogger)
        let batches = (0..<(total / batchSize)).map { batch in
            (0..<batchSize).map { makeRecord(id: UInt64(batch * batchSize + $0 + 1), size: recordSize) }
        }
        let clock = ContinuousClock()
        let elapsed = try await withRunningServer(
            server,
            RecordSink { record in
                count.increment()
                record.acknowledge()
            }
        ) {
            try await withRunningClient(client) {
                try await client.waitUntilDelivered(timeout: .seconds(5))
                return try await clock.measure {
                    for batch in batches { try await client.send(contentsOf: batch) }
                    try await client.waitUntilDelivered(timeout: .seconds(240))
                }
            }
        }
        #expect(count.value == batches.count * batchSize)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(count.value) / seconds
        print(
            "link throughput (acked\(tls ? ", mutual TLS" : ""), sync \(sync), \(recordSize)-byte records, batches of \(batchSize)): "
                + "\(count.value) records in \(String(format: "%.2f", seconds)) s = \(Int(rate)) records/s, "
                + "\(String(format: "%.1f", rate * Double(recordSize) / 1e6)) MB/s; ACK frames \(server.statistics.acksSent)"
        )
        client.close()
    }
}
