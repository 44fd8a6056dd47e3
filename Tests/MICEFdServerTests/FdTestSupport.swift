// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEFdServer
import Synchronization
import Testing

/// A fresh temporary folder (canonical path: /tmp is not a symlink here, but be sure).
struct Scratch {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.resolvingSymlinksInPath().path
        path = base + "/mice-fd-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String, contents: String? = nil, mode: Int = 0o644) throws -> String {
        let full = path + "/" + name
        if let contents {
            try Data(contents.utf8).write(to: URL(fileURLWithPath: full))
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
        }
        return full
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// An in-process server on a real socket pair, served by a dedicated thread.
final class InProcessServer: Sendable {
    let client: FdClient
    private final class Done: Sendable {
        let served = Mutex<Int?>(nil)
    }
    private let done = Done()

    init(allow: [String]) throws {
        var pair: [Int32] = [-1, -1]
        try #require(socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0)
        client = FdClient(socket: pair[0], timeout: .seconds(5))
        let serverSocket = pair[1]
        let allowList = FdAllowList(allow)
        let thread = Thread { [done] in
            let served = FdServer.serve(socket: serverSocket, allowList: allowList)
            close(serverSocket)
            done.served.withLock { $0 = served }
        }
        thread.start()
    }

    /// Closes the client and waits (bounded) for the server loop to end; returns requests served.
    func finish() async -> Int? {
        client.close()
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let served = done.served.withLock({ $0 }) { return served }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }
}

/// Reads everything from a descriptor (which must be at its start) and closes it.
func readAll(_ fd: Int32) -> String {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
    }
    close(fd)
    return String(decoding: bytes, as: UTF8.self)
}

/// The FdServerError thrown by `body`, recording an issue when there is none.
func fdError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> FdServerError? {
    do {
        try body()
        Issue.record("expected an FdServerError", sourceLocation: sourceLocation)
    } catch let error as FdServerError {
        return error
    } catch {
        Issue.record("expected an FdServerError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// The folder of the built executables: the one holding this test bundle.
enum BuiltProducts {
    static let directory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (executable as NSString).deletingLastPathComponent
    }()

    static func path(_ name: String) throws -> String {
        let path = directory + "/" + name
        try #require(FileManager.default.isExecutableFile(atPath: path), "\(name) is not built next to the tests")
        return path
    }
}
