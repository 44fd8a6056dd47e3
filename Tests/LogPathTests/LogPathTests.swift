// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEBench
import MICERecords
import MICETestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The whole log path with real processes: log files → mice-dataforwarder (format module, acked
/// TCP link on 127.0.0.1, disk spool) → mice-bufferdaemon (decoder, ring, mice-pop-rawlog) → rows.
@Suite("Log path: files to raw-log rows through the real daemons", .serialized, .timeLimit(.minutes(3)))
struct LogPathTests {
    static func lines(_ tag: String, _ range: ClosedRange<Int>) -> [String] {
        range.map { "\(tag) line \($0) sshd[77]: Failed password for user\($0 % 13) from 192.0.2.\($0 % 250)" }
    }

    static func texts(_ rows: [[UInt8]]) -> [String] { rows.map { String(decoding: $0, as: UTF8.self) } }

    @Test("two files, a rename rotation and a copytruncate mid-stream: every line one row")
    func rotationAndTruncation() throws {
        let test = try LogPathHarness("rotation")
        try test.startBuffer(config: test.bufferConfig(port: 0, popConfig: try test.sqliteStore()))
        let a = test.work + "/a.log"
        let b = test.work + "/b.log"
        try test.append(Self.lines("a", 1...300), to: a)
        try test.append(Self.lines("b", 1...300), to: b)
        try test.startForwarder(config: test.forwarderConfig(files: [a, b]))
        _ = try test.rows(atLeast: 600, quiet: 0)

        // logrotate's default: rename, then a new file; the forwarder finishes the old one first.
        try test.append(Self.lines("a", 301...400), to: a)
        #expect(rename(a, a + ".1") == 0)
        try test.append(Self.lines("a", 401...600), to: a)
        // copytruncate: copy, then cut the file to 0 bytes while the forwarder holds it open.
        try test.append(Self.lines("b", 301...400), to: b)
        _ = try test.rows(atLeast: 900, quiet: 0)
        #expect(truncate(b, 0) == 0)
        try test.append(Self.lines("b", 401...600), to: b)

        let rows = Self.texts(try test.rows(atLeast: 1200))
        let expected = Self.lines("a", 1...600) + Self.lines("b", 1...600)
        #expect(rows.count == 1200, "\(rows.count) rows\n\(test.diagnostics())")
        #expect(Set(rows) == Set(expected))
        // Per file, the order of the lines is kept.
        #expect(rows.filter { $0.hasPrefix("a ") } == Self.lines("a", 1...600))
        #expect(rows.filter { $0.hasPrefix("b ") } == Self.lines("b", 1...600))
    }

    @Test("the BufferDaemon killed with SIGKILL mid-stream and restarted: no line lost")
    func bufferDaemonKilled() throws {
        let test = try LogPathHarness("bdkill")
        let pop = try test.sqliteStore()
        try test.startBuffer(config: test.bufferConfig(port: 0, popConfig: pop))
        let port = test.bufferPort
        let log = test.work + "/stream.log"
        try test.append([], to: log)
        try test.startForwarder(config: test.forwarderConfig(files: [log]))
        let all = Self.lines("k", 1...20_000)
        try test.append(Array(all[0..<10_000]), to: log)
        _ = try test.rows(atLeast: 2_000, quiet: 0)
        let buffer = try #require(test.buffer)
        kill(buffer.pid, SIGKILL)
        buffer.stop(timeout: 10)
        try test.append(Array(all[10_000...]), to: log)
        try test.startBuffer(config: test.bufferConfig(port: port, popConfig: pop))

        var rows = Self.texts(try test.rows(atLeast: 20_000, quiet: 1, timeout: 60))
        // Duplicates count towards the 20,000 rows, so lines still on their way (a reconnect
        // backoff can pause the stream for longer than the quiet second) are waited for, bounded.
        let deadline = Date().addingTimeInterval(60)
        while Set(rows) != Set(all), Date() < deadline {
            usleep(100_000)
            rows = Self.texts(try test.loglines())
        }
        let distinct = Set(rows)
        #expect(distinct == Set(all), "missing \(Set(all).subtracting(distinct).count)\n\(test.diagnostics())")
        // What the daemon had committed but not yet recorded as acknowledged may come twice.
        let duplicates = rows.count - distinct.count
        print("bufferdaemon SIGKILL: \(rows.count) rows, \(duplicates) duplicates")
        #expect(duplicates <= 5_000)
    }

    @Test("the forwarder killed with SIGKILL while lines arrive, and restarted: none lost, none twice")
    func forwarderKilled() throws {
        let test = try LogPathHarness("fwdkill")
        try test.startBuffer(config: test.bufferConfig(port: 0, popConfig: try test.sqliteStore()))
        let log = test.work + "/stream.log"
        try test.append([], to: log)
        let config = test.forwarderConfig(files: [log])
        try test.startForwarder(config: config)
        let all = Self.lines("f", 1...30_000)
        for chunk in stride(from: 0, to: 15_000, by: 1_000) {
            try test.append(Array(all[chunk..<(chunk + 1_000)]), to: log)
        }
        _ = try test.rows(atLeast: 3_000, quiet: 0)
        let forwarder = try #require(test.forwarder)
        kill(forwarder.pid, SIGKILL)
        forwarder.stop(timeout: 10)
        try test.append(Array(all[15_000..<25_000]), to: log)
        try test.startForwarder(config: config)
        try test.append(Array(all[25_000...]), to: log)

        let rows = Self.texts(try test.rows(atLeast: 30_000, quiet: 1.5, timeout: 60))
        #expect(rows.count == 30_000, "\(rows.count) rows for 30000 lines\n\(test.diagnostics())")
        #expect(rows == all, "lines lost, repeated or out of order")

        // A clean stop (SIGTERM) and start: nothing read twice either.
        let second = try #require(test.forwarder)
        #expect(second.stop(timeout: 30) == 0)
        let more = Self.lines("g", 1...500)
        try test.append(more, to: log)
        try test.startForwarder(config: config)
        let after = Self.texts(try test.rows(atLeast: 30_500, quiet: 1.5))
        #expect(after == all + more)
    }

    @Test("hostile lines: NUL, invalid UTF-8, SQL quotes, a 1 MiB line; the daemons keep going")
    func hostileLines() throws {
        let test = try LogPathHarness("hostile")
        try test.startBuffer(config: test.bufferConfig(port: 0, popConfig: try test.sqliteStore()))
        let log = test.work + "/hostile.log"
        try test.append([], to: log)
        try test.startForwarder(config: test.forwarderConfig(files: [log], extra: "MAXLINELEN = 65536"))
        let quotes = Array("x'); DROP TABLE rawlog_line; -- \" \\ `".utf8)
        let invalid: [UInt8] = [0x66, 0x6F, 0xFF, 0xFE, 0xC3, 0x28, 0x80, 0x6F]
        let nul: [UInt8] = Array("before".utf8) + [0] + Array("after".utf8)
        let huge = [UInt8](repeating: UInt8(ascii: "A"), count: 1 << 20)
        let last = Array("the last line".utf8)
        for line in [quotes, invalid, nul, huge, last] { try test.appendBytes(line + [0x0A], to: log) }

        let rows = try test.rows(atLeast: 5)
        #expect(rows.count == 5, "\(rows.count) rows\n\(test.diagnostics())")
        guard rows.count == 5 else { return }
        #expect(rows[0] == quotes)
        #expect(rows[1] == invalid)
        // The C string of the record ends at the NUL; the line is not split, and not lost.
        #expect(rows[2] == nul || rows[2] == Array("before".utf8))
        // The 1 MiB line: cut to what the record holds, counted, never split into fake lines.
        #expect(rows[3].count < huge.count && rows[3].allSatisfy { $0 == UInt8(ascii: "A") })
        #expect(rows[4] == last)
        let stats =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: test.work + "/dataforwarder.stats"))) as? [String: Any]
        #expect("\(stats ?? [:])".contains("truncated"))
        #expect(test.forwarder.map { kill($0.pid, 0) == 0 } == true)
        #expect(test.buffer.map { kill($0.pid, 0) == 0 } == true)
    }

    @Test("legacy Twofish records from contrib's C program are accepted on a legacy entry")
    func twofishFromC() throws {
        let cipher = TestPaths.repositoryRoot + "/contrib/build/mice-cipher"
        try #require(FileManager.default.isExecutableFile(atPath: cipher), "run `make -C contrib` first")
        let test = try LogPathHarness("twofish")
        let key = "ChangeMe :-P"
        let decoder = try test.write("dec.conf", "[CRYPTO_INFO]\nENCKEY = \"\(key)\"\nCRYPTMOD = twofish\n")
        try test.startBuffer(
            config: test.bufferConfig(
                port: 0, decoderConfig: decoder, popConfig: try test.sqliteStore(), mode: "legacy"))
        var plain: [UInt8] = []
        let texts = (1...50).map { "twofish line \($0) from an original DataForwarder" }
        for text in texts {
            var record = specExampleLogFormat(fileType: LogFormat.FTF_FILE)
            record[text: \.logData] = text
            plain += record.encode()
        }
        let sealed = try runProgram(cipher, ["encrypt", "--key", key], input: plain)
        #expect(sealed.status == 0, "\(sealed.errorText)")
        #expect(sealed.output.count == 50 * 1712)
        try sendRaw(sealed.output, port: test.bufferPort)
        let rows = Self.texts(try test.rows(atLeast: 50))
        #expect(rows == texts, "\(test.diagnostics())")
    }

    /// Writes `bytes` to 127.0.0.1:`port` over one plain TCP connection, as an original sender does.
    func sendRaw(_ bytes: [UInt8], port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(connected == 0)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, 0) }
            try #require(count > 0)
            sent += count
        }
        shutdown(fd, Int32(SHUT_WR))
    }

    @Test("into a real PostgreSQL server that the test starts")
    func postgres() async throws {
        try await PostgresTestServer.with { server in
            let test = try LogPathHarness("postgres")
            let pop = try test.write("pop.json", #"{"backend": "postgres", "url": "\#(server.url)"}"#)
            try test.startBuffer(config: test.bufferConfig(port: 0, popConfig: pop))
            let a = test.work + "/a.log"
            let b = test.work + "/b.log"
            try test.append(Self.lines("pa", 1...400), to: a)
            try test.append(Self.lines("pb", 1...400), to: b)
            try test.startForwarder(config: test.forwarderConfig(files: [a, b]))
            let deadline = Date().addingTimeInterval(60)
            var count = 0
            while Date() < deadline {
                // The table appears when mice-pop-rawlog has connected; until then the query fails.
                let answer = try? await server.rows("SELECT count(*)::text FROM rawlog_line")
                count = Int(answer?.first ?? "0") ?? 0
                if count >= 800 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(count == 800, "\(test.diagnostics())")
            let stored = Set(try await server.rows("SELECT convert_from(logline, 'UTF8') FROM rawlog_line"))
            #expect(stored == Set(Self.lines("pa", 1...400) + Self.lines("pb", 1...400)))
        }
    }
}
