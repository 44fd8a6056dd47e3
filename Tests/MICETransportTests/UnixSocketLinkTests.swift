// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Unix socket listeners", .serialized, .timeLimit(.minutes(2)))
struct UnixSocketLinkTests {
    @Test(
        "socket file gets 0600 or 0660 even under umask 0, records flow, file removed at shutdown",
        arguments: [
            UInt16(0o600), 0o660, 0o777,
        ])
    func socketModeAndTraffic(mode: UInt16) async throws {
        let directory = try TemporaryDirectory("unix")
        defer { directory.remove() }
        let path = directory.path + "/buffer.sock"
        // The original daemonized with umask(0): the socket must not depend on the umask.
        let previous = umask(0)
        let server: LinkServer
        do {
            server = try await LinkServer.bind(
                configuration: .init(
                    link: "test", mode: .acked, recordSize: 1712, endpoint: try .parse(bindTo: path, port: 3366),
                    socketFileMode: mode),
                logger: quietLogger)
            umask(previous)
        } catch {
            umask(previous)
            throw error
        }
        var status = stat()
        #expect(lstat(path, &status) == 0)
        #expect((status.st_mode & S_IFMT) == S_IFSOCK)
        #expect(status.st_mode & 0o777 == mode_t(mode & 0o660))
        #expect(status.st_mode & 0o007 == 0, "never world-accessible")
        // The private directory used for binding is gone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["buffer.sock"])
        #expect(server.port == nil)

        let received = Received()
        let client = try await LinkClient(
            configuration: clientConfiguration(endpoint: .unix(path: path), spool: directory.path + "/spool"),
            logger: quietLogger)
        try await withRunningServer(
            server,
            RecordSink { record in
                received.add(record)
                record.acknowledge()
            }
        ) {
            try await withRunningClient(client) {
                try await client.send(contentsOf: (1...1000).map { makeRecord(id: $0, size: 1712) })
                try await client.waitUntilDelivered(timeout: .seconds(30))
            }
        }
        #expect(received.all.compactMap(\.id) == Array(1...1000))
        #expect(lstat(path, &status) != 0, "socket file removed after shutdown")
        client.close()
    }

    @Test("a stale socket file is replaced; a live one or a regular file is never removed")
    func staleAndLiveSocketFiles() async throws {
        let directory = try TemporaryDirectory("unix")
        defer { directory.remove() }
        let path = directory.path + "/s.sock"
        // A stale socket: bound, then closed without unlinking (what a killed daemon leaves).
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        close(fd)
        let configuration = LinkServer.Configuration(
            link: "test", mode: .legacy, recordSize: 64, endpoint: .unix(path: path))
        let server = try await LinkServer.bind(configuration: configuration, logger: quietLogger)
        try await withRunningServer(server, RecordSink { _ in }) {
            // While it serves, a second listener on the same path is refused (its liveness probe is
            // answered) and the file stays.
            await #expect(throws: LinkError.self) {
                try await LinkServer.bind(configuration: configuration, logger: quietLogger)
            }
            var status = stat()
            #expect(lstat(path, &status) == 0)
        }
        // A regular file at the path is not ours to delete.
        let regular = directory.path + "/regular"
        _ = FileManager.default.createFile(atPath: regular, contents: Data("keep".utf8))
        await #expect(throws: LinkError.self) {
            try await LinkServer.bind(
                configuration: .init(link: "test", mode: .legacy, recordSize: 64, endpoint: .unix(path: regular)),
                logger: quietLogger)
        }
        #expect(FileManager.default.contents(atPath: regular) == Data("keep".utf8))
    }

    @Test("BINDTO rule: '/' starts a socket path, anything else is a TCP host")
    func endpointParsing() throws {
        #expect(try LinkEndpoint.parse(bindTo: "/run/mice/raw.sock", port: 3366) == .unix(path: "/run/mice/raw.sock"))
        #expect(try LinkEndpoint.parse(bindTo: "127.0.0.1", port: 3366) == .tcp(host: "127.0.0.1", port: 3366))
        #expect(throws: LinkError.self) { try LinkEndpoint.parse(bindTo: "127.0.0.1", port: 70000) }
        #expect(throws: LinkError.self) { try LinkEndpoint.parse(bindTo: "", port: 1) }
    }
}
