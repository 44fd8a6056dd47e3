// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Legacy links: back-to-back fixed-size records, no header", .timeLimit(.minutes(2)))
struct LegacyLinkTests {
    private func legacyServer(recordSize: Int) async throws -> LinkServer {
        try await LinkServer.bind(
            configuration: .init(
                link: "rawlogdb", mode: .legacy, recordSize: recordSize, endpoint: .tcp(host: "127.0.0.1", port: 0)),
            logger: quietLogger)
    }

    @Test("records split across reads: one byte per write, odd chunk sizes, all in one write")
    func oddChunking() async throws {
        let server = try await legacyServer(recordSize: 1712)
        let port = try #require(server.port)
        let received = Received()
        try await withRunningServer(server, RecordSink { received.add($0) }) {
            // 1. Two records written one byte at a time (TCP_NODELAY: separate segments).
            let bytes = makeRecord(id: 1, size: 1712) + makeRecord(id: 2, size: 1712)
            let slow = try RawSocket(port: port)
            for byte in bytes { try slow.write([byte]) }
            try await eventually("two records from single bytes") { received.count == 2 }
            // 2. Three records in chunks of 1000, 7, 3000, 1129 bytes.
            var chunked = makeRecord(id: 3, size: 1712) + makeRecord(id: 4, size: 1712) + makeRecord(id: 5, size: 1712)
            for size in [1000, 7, 3000, 1129] {
                try slow.write(Array(chunked.prefix(size)))
                chunked.removeFirst(size)
            }
            try await eventually("five records") { received.count == 5 }
            slow.close()
            // 3. A hundred records in one write from another connection.
            let fast = try RawSocket(port: port)
            try fast.write((6...105).flatMap { makeRecord(id: $0, size: 1712) })
            fast.close()
            try await eventually("105 records") { received.count == 105 }
        }
        let all = received.all
        #expect(Set(all.compactMap(\.id)) == Set(1...105))
        #expect(all.allSatisfy { $0.sequence == 0 && $0.sender.hasPrefix("legacy:") })
        #expect(server.statistics.shortRecordsDropped == 0)
    }

    @Test("a partial record at end of stream is dropped and counted, never delivered")
    func shortRecordAtEOF() async throws {
        let server = try await legacyServer(recordSize: 6632)
        let port = try #require(server.port)
        let received = Received()
        try await withRunningServer(server, RecordSink { received.add($0) }) {
            let socket = try RawSocket(port: port)
            try socket.write(makeRecord(id: 7, size: 6632) + Array(makeRecord(id: 8, size: 6632).prefix(5000)))
            socket.close()
            try await eventually("the short record is counted") { server.statistics.shortRecordsDropped == 1 }
        }
        #expect(received.all.compactMap(\.id) == [7])
    }

    @Test("LinkClient in legacy mode writes bare records a legacy receiver reads; spool emptied once written")
    func clientToLegacyServer() async throws {
        let directory = try TemporaryDirectory("legacy")
        defer { directory.remove() }
        let server = try await legacyServer(recordSize: 1712)
        let port = try #require(server.port)
        let received = Received()
        let client = try await LinkClient(
            configuration: clientConfiguration(
                mode: .legacy, endpoint: .tcp(host: "127.0.0.1", port: port), spool: directory.path + "/spool"),
            logger: quietLogger)
        try await withRunningServer(server, RecordSink { received.add($0) }) {
            try await withRunningClient(client) {
                try await client.send(contentsOf: (1...2000).map { makeRecord(id: $0, size: 1712) })
                try await client.waitUntilDelivered(timeout: .seconds(30))
                try await eventually("2000 records") { received.count == 2000 }
            }
        }
        #expect(received.all.compactMap(\.id) == Array(1...2000))
        #expect(client.statistics.pendingRecords == 0)
        client.close()
    }

    @Test("legacy sender spools while the receiver is down and sends once it is up")
    func spoolWhileDown() async throws {
        let directory = try TemporaryDirectory("legacy")
        defer { directory.remove() }
        // Reserve a port, then close it so nothing listens there yet.
        let probe = try await legacyServer(recordSize: 1712)
        let port = try #require(probe.port)
        try await withRunningServer(probe, RecordSink { _ in }) {}
        let client = try await LinkClient(
            configuration: clientConfiguration(
                mode: .legacy, endpoint: .tcp(host: "127.0.0.1", port: port), spool: directory.path + "/spool"),
            logger: quietLogger)
        let received = Received()
        try await withRunningClient(client) {
            try await client.send(contentsOf: (1...300).map { makeRecord(id: $0, size: 1712) })
            try await eventually("failed connection attempts") { client.statistics.connectionFailures >= 2 }
            #expect(client.statistics.pendingRecords == 300)
            let server = try await LinkServer.bind(
                configuration: .init(
                    link: "rawlogdb", mode: .legacy, recordSize: 1712, endpoint: .tcp(host: "127.0.0.1", port: port)),
                logger: quietLogger)
            try await withRunningServer(server, RecordSink { received.add($0) }) {
                try await client.waitUntilDelivered(timeout: .seconds(30))
                try await eventually("300 records") { received.count == 300 }
            }
        }
        #expect(received.all.compactMap(\.id) == Array(1...300))
        client.close()
    }
}

/// A plain blocking TCP socket to 127.0.0.1, for writing exact byte patterns.
final class RawSocket {
    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { throw POSIXError(.EPIPE) }
            offset += count
        }
    }

    func close() {
        Glibc.close(fd)
    }
}
