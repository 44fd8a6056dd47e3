// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICEConfig
import MICEFdServer
import MICETail
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1)))
struct FdServerProcessTests {
    @Test func realServerProcessOpensAllowedFilesAndExitsWhenClosed() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let log = try scratch.file("messages", contents: "from the server\n")
        let other = try scratch.file("other", contents: "no\n")
        let server = try FdServerProcess.launch(
            executable: try BuiltProducts.path("mice-fdserver"), allowList: [log], logger: Logger(label: "test"))
        #expect(readAll(try server.client.open(log)) == "from the server\n")
        #expect(fdError { _ = try server.client.open(other) }?.code == .notAllowed)
        // Only 0, 1, 2 and the socket reach the server.
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(server.pid)/fd")
        #expect(Set(descriptors) == ["0", "1", "2", "3"])
        let status = server.stop()
        #expect(status & 0x7F == 0, "the server was killed by signal \(status & 0x7F)")
        #expect((status >> 8) & 0xFF == 0, "the server exited with \((status >> 8) & 0xFF)")
    }

    @Test func serverCanKeepOnlyTheRightToRead() throws {
        guard geteuid() == 0 else { return }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let privateFolder = scratch.path + "/private"
        try FileManager.default.createDirectory(
            atPath: privateFolder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let secret = try scratch.file("private/auth.log", contents: "root only\n", mode: 0o600)
        let server = try FdServerProcess.launch(
            executable: try BuiltProducts.path("mice-fdserver"), allowList: [secret], readOnlyUser: "nobody",
            readOnlyGroup: "nogroup", logger: Logger(label: "test"))
        defer { server.stop() }
        #expect(readAll(try server.client.open(secret)) == "root only\n")
        let status = try String(contentsOfFile: "/proc/\(server.pid)/status", encoding: .utf8)
        func field(_ name: String) -> String? {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }.map {
                $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
            }
        }
        let nobody = try PrivilegeDrop.lookUpUser("nobody")
        #expect(field("Uid") == Array(repeating: "\(nobody)", count: 4).joined(separator: "\t"))
        #expect(field("CapEff") == "0000000000000004")
        #expect(field("CapPrm") == "0000000000000004")
        #expect(field("CapInh") == "0000000000000000")
        #expect(field("NoNewPrivs") == "1")
    }

    @Test func missingExecutableIsASpawnError() {
        let error = fdError {
            _ = try FdServerProcess.launch(
                executable: "/nonexistent/mice-fdserver", allowList: [], logger: Logger(label: "test"))
        }
        #expect(error?.code == .spawnFailed)
    }

    @Test func tailerReadsThroughTheServerAcrossRotation() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let log = try scratch.file("messages", contents: "")
        let server = try FdServerProcess.launch(
            executable: try BuiltProducts.path("mice-fdserver"), allowList: [log], logger: Logger(label: "test"))
        defer { server.stop() }
        let client = server.client
        let configuration = TailConfiguration(
            interval: .milliseconds(100), rotationGrace: .milliseconds(200),
            opener: FileOpener { path in try client.open(path) })
        let tailer = FileTailer(files: [TailedFile(path: log, tag: .firewall)], configuration: configuration)
        try tailer.start()
        let lines = CollectedLines()
        let consumer = Task { [tailer, lines] in
            for await line in tailer.lines { lines.append(line) }
        }
        try #require(await eventually { tailer.statistics.openFiles == 1 })
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        handle.write(Data("one\ntwo\n".utf8))
        #expect(await eventually { lines.count >= 2 })
        #expect(rename(log, log + ".1") == 0)
        try Data("three\n".utf8).write(to: URL(fileURLWithPath: log))
        #expect(await eventually { lines.count >= 3 })
        tailer.stop()
        await consumer.value
        try handle.close()
        #expect(lines.all.map { String(decoding: $0.content, as: UTF8.self) } == ["one", "two", "three"])
        #expect(lines.all.allSatisfy { $0.fileType == 4 })
    }
}

@Suite(.timeLimit(.minutes(1)))
struct PrivilegeDropTests {
    func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try BuiltProducts.path("mice-test-privdrop"))
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func dropsRootForGoodOrSkipsWhenNotRoot() throws {
        let line = try run(["nobody", "nogroup"])
        if geteuid() == 0 {
            let uid = try PrivilegeDrop.lookUpUser("nobody")
            let gid = try PrivilegeDrop.lookUpGroup("nogroup")
            #expect(line == "dropped \(uid) \(uid) \(gid) \(gid) groups=1 regain=refused")
        } else {
            #expect(line.hasPrefix("notRoot \(getuid()) \(geteuid())"))
        }
    }

    @Test func unknownUserAndRootTargetAreErrors() throws {
        guard geteuid() == 0 else { return }
        #expect(try run(["no-such-user-mice", "nogroup"]).hasPrefix("error:unknown user 0 0"))
        #expect(try run(["nobody", "no-such-group-mice"]).hasPrefix("error:unknown group 0 0"))
        #expect(try run(["root", "root"]).hasPrefix("error:privilege drop failed 0 0"))
    }

    @Test func lookUps() throws {
        #expect(try PrivilegeDrop.lookUpUser("root") == 0)
        #expect(try PrivilegeDrop.lookUpUser("4242") == 4242)
        #expect(throws: FdServerError.self) { _ = try PrivilegeDrop.lookUpUser("no-such-user-mice") }
    }
}

/// Lines gathered by a consuming task.
final class CollectedLines: Sendable {
    private let lines = Mutex<[TailLine]>([])
    func append(_ line: TailLine) { lines.withLock { $0.append(line) } }
    var count: Int { lines.withLock { $0.count } }
    var all: [TailLine] { lines.withLock { $0 } }
}

/// Polls `condition` every 5 ms for at most 10 seconds.
func eventually(_ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
