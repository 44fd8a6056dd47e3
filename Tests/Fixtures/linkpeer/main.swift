// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

// mice-test-linkpeer: one end of a link in its own process, so tests can kill it with SIGKILL.
//
//   mice-test-linkpeer server --port P --output FILE --ready-file FILE [--record-size N] [--mode acked|legacy]
//       Listens on 127.0.0.1:P (0 = any); appends "sender sequence id\n" per record to --output
//       (write(2), no buffering) and only then acknowledges; on start, the highest sequence per
//       sender in --output is the durable watermark. Writes the bound port to --ready-file.
//   mice-test-linkpeer client --port P --spool DIR --first ID --count N --ready-file FILE [--wait]
//       Spools records ID..ID+N-1 (the id in the first 8 bytes, big-endian), writes "spooled" to
//       --ready-file, then sends; with --wait exits 0 once all are acknowledged, else runs until killed.
//
//   mice-test-linkpeer bench [--records N] [--batch B] [--record-size S] [--sync never|batch] [--mode acked|legacy]
//       Server and client in this process over 127.0.0.1; prints records/s (build with -c release).
//
// Test records: byte 8 onwards is (id + offset) & 0xFF, so a receiver can check a record is intact.

import Logging
import MICETransport
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var values: [String: String] = [:]
    var flags: Set<String> = []

    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            guard argument.hasPrefix("--") else { continue }
            let key = String(argument.dropFirst(2))
            if key == "wait" {
                flags.insert(key)
            } else {
                values[key] = iterator.next() ?? ""
            }
        }
    }

    func string(_ key: String) -> String {
        guard let value = values[key] else { fail("missing --\(key)") }
        return value
    }

    func int(_ key: String, default value: Int? = nil) -> Int {
        if let text = values[key], let number = Int(text) { return number }
        if let value { return value }
        fail("missing or bad --\(key)")
    }
}

func fail(_ message: String) -> Never {
    FileHandleError.write("mice-test-linkpeer: \(message)\n")
    exit(2)
}

enum FileHandleError {
    static func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

func writeFile(_ path: String, _ text: String) {
    let temporary = path + ".tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { fail("cannot write \(path)") }
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    close(fd)
    rename(temporary, path)
}

func readFile(_ path: String) -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}

func makeRecord(id: UInt64, size: Int) -> [UInt8] {
    var record = [UInt8](repeating: 0, count: size)
    for index in 0..<8 { record[index] = UInt8(truncatingIfNeeded: id >> (56 - 8 * UInt64(index))) }
    for index in 8..<size { record[index] = UInt8(truncatingIfNeeded: id &+ UInt64(index)) }
    return record
}

func recordID(_ record: [UInt8]) -> UInt64? {
    guard record.count >= 8 else { return nil }
    let id = record[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    return makeRecord(id: id, size: record.count) == record ? id : nil
}

func runServer(_ options: Options) async throws {
    let output = options.string("output")
    let port = options.int("port", default: 0)
    let recordSize = options.int("record-size", default: 1712)
    let mode = LinkMode(rawValue: options.values["mode"] ?? "acked") ?? .acked
    // The durable watermark per sender: what the output file already holds (its last whole lines).
    var watermarks: [String: UInt64] = [:]
    for line in readFile(output).split(separator: "\n") {
        let fields = line.split(separator: " ")
        guard fields.count == 3, let sequence = UInt64(fields[1]) else { continue }
        watermarks[String(fields[0])] = max(watermarks[String(fields[0])] ?? 0, sequence)
    }
    let known = watermarks
    let fd = open(output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    guard fd >= 0 else { fail("cannot open \(output)") }
    let configuration = LinkServer.Configuration(
        link: "test", mode: mode, recordSize: recordSize, endpoint: .tcp(host: "127.0.0.1", port: port),
        durableSequence: { sender in known[sender] ?? 0 })
    let server = try await LinkServer.bind(configuration: configuration, logger: Logger(label: "linkpeer"))
    writeFile(options.string("ready-file"), "\(server.port ?? 0)\n")
    try await server.run { record in
        let id = recordID(record.bytes).map(String.init) ?? "corrupt"
        let line = Array("\(record.sender) \(record.sequence) \(id)\n".utf8)
        _ = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        record.acknowledge()
    }
}

func runClient(_ options: Options) async throws {
    let recordSize = options.int("record-size", default: 1712)
    let mode = LinkMode(rawValue: options.values["mode"] ?? "acked") ?? .acked
    let configuration = LinkClient.Configuration(
        link: "test", mode: mode, recordSize: recordSize,
        endpoint: .tcp(host: "127.0.0.1", port: options.int("port")),
        spool: DiskSpool.Configuration(directory: options.string("spool"), sync: .perBatch),
        backoff: ReconnectBackoff(initial: .milliseconds(20), maximum: .milliseconds(200)))
    let client = try await LinkClient(configuration: configuration, logger: Logger(label: "linkpeer"))
    let first = UInt64(options.int("first", default: 1))
    let count = options.int("count", default: 0)
    var batch: [[UInt8]] = []
    for id in first..<(first + UInt64(count)) {
        batch.append(makeRecord(id: id, size: recordSize))
        if batch.count == 100 {
            try await client.send(contentsOf: batch)
            batch.removeAll()
        }
    }
    if !batch.isEmpty { try await client.send(contentsOf: batch) }
    writeFile(options.string("ready-file"), "spooled \(client.statistics.pendingRecords)\n")
    if options.flags.contains("wait") {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await client.waitUntilDelivered(timeout: .seconds(120))
            group.cancelAll()
        }
        client.close()
    } else {
        await client.run()
    }
}

func runBench(_ options: Options) async throws {
    let total = options.int("records", default: 200_000)
    let batchSize = options.int("batch", default: 500)
    let recordSize = options.int("record-size", default: 1712)
    let mode = LinkMode(rawValue: options.values["mode"] ?? "acked") ?? .acked
    let sync: DiskSpool.SyncPolicy = options.values["sync"] == "batch" ? .perBatch : .never
    var logger = Logger(label: "linkpeer")
    logger.logLevel = .error
    let server = try await LinkServer.bind(
        configuration: .init(
            link: "test", mode: mode, recordSize: recordSize, endpoint: .tcp(host: "127.0.0.1", port: 0)),
        logger: logger)
    let spool = "/tmp/mice-linkbench-\(getpid())"
    defer { _ = try? FileManagerless.removeTree(spool) }
    let client = try await LinkClient(
        configuration: .init(
            link: "test", mode: mode, recordSize: recordSize, endpoint: .tcp(host: "127.0.0.1", port: server.port ?? 0),
            spool: DiskSpool.Configuration(directory: spool, sync: sync)),
        logger: logger)
    let batches = (0..<(total / batchSize)).map { batch in
        (0..<batchSize).map { makeRecord(id: UInt64(batch * batchSize + $0 + 1), size: recordSize) }
    }
    let received = Tally()
    let clock = ContinuousClock()
    var elapsed = Duration.zero
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await server.run { record in
                received.add()
                record.acknowledge()
            }
        }
        group.addTask { await client.run() }
        elapsed = try await clock.measure {
            for batch in batches { try await client.send(contentsOf: batch) }
            try await client.waitUntilDelivered(timeout: .seconds(600))
            if mode == .legacy {
                while received.value < batches.count * batchSize { try await Task.sleep(for: .milliseconds(1)) }
            }
        }
        server.shutdown()
        group.cancelAll()
    }
    client.close()
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let count = received.value
    print(
        "mode \(mode) sync \(sync) record \(recordSize) B batch \(batchSize): \(count) records in "
            + "\(Int(seconds * 1000)) ms = \(Int(Double(count) / seconds)) records/s, "
            + "\(Int(Double(count * recordSize) / seconds / 1e6)) MB/s, ACK frames \(server.statistics.acksSent)")
}

final class Tally: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

enum FileManagerless {
    static func removeTree(_ path: String) throws {
        guard let handle = opendir(path) else { return }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { unlink(path + "/" + name) }
        }
        closedir(handle)
        rmdir(path)
    }
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else { fail("usage: mice-test-linkpeer server|client --option value ...") }
let options = Options(arguments.dropFirst(2))
switch arguments[1] {
case "server": try await runServer(options)
case "client": try await runClient(options)
case "bench": try await runBench(options)
default: fail("unknown role \(arguments[1])")
}
