// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICETransport
import Synchronization
import Testing

/// A fresh temporary directory, removed by ``remove()``.
struct TemporaryDirectory {
    let path: String

    init(_ name: String = "link") throws {
        // Short paths: Unix socket paths are limited to 107 bytes.
        path = "/tmp/mice-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Test record `id` of `size` bytes: the id in the first 8 bytes (big-endian), then a pattern, as
/// mice-test-linkpeer makes them.
func makeRecord(id: UInt64, size: Int) -> [UInt8] {
    var record = [UInt8](repeating: 0, count: size)
    for index in 0..<8 { record[index] = UInt8(truncatingIfNeeded: id >> (56 - 8 * UInt64(index))) }
    for index in 8..<size { record[index] = UInt8(truncatingIfNeeded: id &+ UInt64(index)) }
    return record
}

/// The id of a test record, or nil when the record is not intact.
func recordID(_ record: [UInt8]) -> UInt64? {
    guard record.count >= 8 else { return nil }
    let id = record[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    return makeRecord(id: id, size: record.count) == record ? id : nil
}

/// Collects what a server hands out.
final class Received: Sendable {
    struct Entry: Hashable, Sendable {
        var sender: String
        var sequence: UInt64
        var id: UInt64?
    }

    private let entries = Mutex<[Entry]>([])

    func add(_ record: LinkRecord) {
        let entry = Entry(sender: record.sender, sequence: record.sequence, id: recordID(record.bytes))
        entries.withLock { $0.append(entry) }
    }

    var all: [Entry] { entries.withLock { $0 } }
    var count: Int { entries.withLock { $0.count } }
}

/// Polls `condition` every 10 ms until it holds; fails the test after `timeout`.
func eventually(
    _ what: String,
    timeout: Duration = .seconds(30),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("timed out waiting for: \(what)", sourceLocation: sourceLocation)
    throw CancellationError()
}

/// Polls `value` until it stops changing for `stableFor` (bounded by `timeout`); returns it.
func settled<T: Equatable>(
    timeout: Duration = .seconds(20),
    stableFor: Duration = .milliseconds(300),
    _ value: () -> T
) async throws -> T {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    var last = value()
    var since = ContinuousClock.now
    while ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(20))
        let current = value()
        if current != last {
            last = current
            since = ContinuousClock.now
        } else if ContinuousClock.now - since >= stableFor {
            return current
        }
    }
    return last
}

let quietLogger: Logger = {
    var logger = Logger(label: "test.link")
    logger.logLevel = ProcessInfo.processInfo.environment["MICE_TEST_LOG"] == nil ? .critical : .trace
    return logger
}()

/// A client configuration for tests: fast reconnects.
func clientConfiguration(
    mode: LinkMode = .acked,
    recordSize: Int = 1712,
    endpoint: LinkEndpoint,
    spool: String,
    sync: DiskSpool.SyncPolicy = .never,
    maxBytes: Int = 256 << 20,
    whenFull: DiskSpool.FullPolicy = .block
) -> LinkClient.Configuration {
    LinkClient.Configuration(
        link: "test", mode: mode, recordSize: recordSize, endpoint: endpoint,
        spool: DiskSpool.Configuration(directory: spool, maxBytes: maxBytes, sync: sync, whenFull: whenFull),
        backoff: ReconnectBackoff(initial: .milliseconds(20), maximum: .milliseconds(200), resetAfter: .seconds(1)))
}

/// Runs `client.run()` in the background for the duration of `body`.
func withRunningClient<T: Sendable>(
    _ client: LinkClient,
    _ body: () async throws -> T
) async throws -> T {
    let task = Task { await client.run() }
    defer { task.cancel() }
    let result = try await body()
    task.cancel()
    await task.value
    return result
}

/// What a test server does with each record.
struct RecordSink: Sendable {
    let handle: @Sendable (LinkRecord) async -> Void

    init(_ handle: @escaping @Sendable (LinkRecord) async -> Void) {
        self.handle = handle
    }
}

/// Runs `server.run` in the background for the duration of `body`, then shuts it down gracefully.
func withRunningServer<T: Sendable>(
    _ server: LinkServer,
    _ sink: RecordSink,
    _ body: () async throws -> T
) async throws -> T {
    let task = Task { try await server.run(onRecord: sink.handle) }
    defer { task.cancel() }
    let result: T
    do {
        result = try await body()
    } catch {
        server.shutdown()
        _ = try? await task.value
        throw error
    }
    server.shutdown()
    try await task.value
    return result
}

/// An acked test server on an ephemeral 127.0.0.1 port, and that port.
func loopbackAckedServer(recordSize: Int) async throws -> (server: LinkServer, port: Int) {
    let server = try await LinkServer.bind(
        configuration: .init(
            link: "test", mode: .acked, recordSize: recordSize, endpoint: .tcp(host: "127.0.0.1", port: 0)),
        logger: quietLogger)
    let port = try #require(server.port)
    return (server, port)
}
