// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEFdServer
import Testing

@Suite(.timeLimit(.minutes(1)))
struct FdServerTests {
    @Test func allowedFileArrivesAsAReadOnlyReadableDescriptor() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let log = try scratch.file("messages", contents: "line 1\nline 2\n", mode: 0o600)
        let server = try InProcessServer(allow: [log])
        let fd = try server.client.open(log)
        #expect(fcntl(fd, F_GETFL) & O_ACCMODE == O_RDONLY)
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
        #expect(readAll(fd) == "line 1\nline 2\n")
        // The same path again (as after a rotation).
        #expect(readAll(try server.client.open(log)) == "line 1\nline 2\n")
        try server.client.ping()
        #expect(await server.finish() == 3)
    }

    @Test func refusalsKeepTheirOwnCodes() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let allowed = try scratch.file("allowed.log", contents: "ok\n")
        let outside = try scratch.file("other.log", contents: "not for you\n")
        let missing = try scratch.file("missing.log")
        let folder = scratch.path + "/folder"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let server = try InProcessServer(allow: [allowed, missing, folder, "relative.log"])

        let notAllowed = fdError { _ = try server.client.open(outside) }
        #expect(notAllowed?.code == .notAllowed)
        #expect(notAllowed?.code.status == 6)
        #expect(notAllowed?.subject == outside)
        let notFound = fdError { _ = try server.client.open(missing) }
        #expect(notFound?.code == .notFound)
        #expect(notFound?.errno == ENOENT)
        #expect(fdError { _ = try server.client.open(folder) }?.code == .wrongFileType)
        #expect(fdError { _ = try server.client.open("relative.log") }?.code == .invalidPath)
        #expect(fdError { _ = try server.client.open(allowed + "/../other.log") }?.code == .notAllowed)
        // Still serving.
        #expect(readAll(try server.client.open(allowed)) == "ok\n")
        #expect(await server.finish() == 6)
    }

    @Test func symlinkToASecretOutsideTheListIsRefused() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let secret = try scratch.file("shadow", contents: "root:$6$secret:19000:0:99999:7:::\n", mode: 0o600)
        let log = try scratch.file("app.log")
        try FileManager.default.createSymbolicLink(atPath: log, withDestinationPath: secret)
        // A symlinked folder on the way is refused too.
        let realFolder = scratch.path + "/real"
        try FileManager.default.createDirectory(atPath: realFolder, withIntermediateDirectories: false)
        _ = try scratch.file("real/x.log", contents: "x\n")
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/linked", withDestinationPath: realFolder)
        let viaLink = scratch.path + "/linked/x.log"
        let server = try InProcessServer(allow: [log, viaLink])
        let escape = fdError { _ = try server.client.open(log) }
        #expect(escape?.code == .resolvesOutside)
        #expect(escape?.code.status == 7)
        #expect(fdError { _ = try server.client.open(viaLink) }?.code == .resolvesOutside)
        // A symlink whose target is itself allowed is fine.
        let server2 = try InProcessServer(allow: [log, secret])
        #expect(readAll(try server2.client.open(log)).hasPrefix("root:"))
        _ = await server.finish()
        _ = await server2.finish()
    }

    @Test func fifoOpensWithoutBlocking() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let fifo = try scratch.file("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        let server = try InProcessServer(allow: [fifo])
        let fd = try server.client.open(fifo)
        #expect(fcntl(fd, F_GETFL) & O_NONBLOCK != 0)
        close(fd)
        _ = await server.finish()
    }

    @Test func malformedRequestsDoNotStopTheServer() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let log = try scratch.file("messages", contents: "still here\n")
        let server = try InProcessServer(allow: [log])
        func refusal(_ bytes: [UInt8]) -> FdServerError.Code? {
            fdError { _ = try server.client.exchange(bytes, subject: "raw") }?.code
        }
        #expect(refusal(Array("\u{1}\u{2}garbage bytes\u{FF}".utf8)) == .malformedRequest)
        #expect(refusal([]) == .malformedRequest)
        #expect(refusal([UInt8](repeating: 0xAA, count: 20000)) == .malformedRequest)
        let overLong = FdProtocol.request(command: 1, path: [UInt8](repeating: UInt8(ascii: "/"), count: 6000))
        #expect(refusal(overLong) == .pathTooLong)
        #expect(refusal(Array(FdProtocol.request(command: 1, path: Array(log.utf8)).dropLast())) == .missingTerminator)
        #expect(refusal(FdProtocol.request(command: 7, path: Array(log.utf8))) == .unknownCommand)
        // Client-side length check.
        #expect(fdError { _ = try server.client.open("/" + String(repeating: "a", count: 5000)) }?.code == .pathTooLong)
        #expect(readAll(try server.client.open(log)) == "still here\n")
        #expect(await server.finish() == 7)
    }

    @Test func closedServerIsReportedAsUnavailable() async throws {
        let server = try InProcessServer(allow: [])
        _ = await server.finish()
        #expect(fdError { _ = try server.client.open("/etc/hostname") }?.code == .serverUnavailable)
    }
}
