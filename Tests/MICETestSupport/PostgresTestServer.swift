// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import PostgresNIO

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server for one test: `initdb` into a temporary folder, `postgres` on a free
/// port of 127.0.0.1 (and a socket in the same folder), stopped and removed at the end.
///
/// The binaries are Debian's (`postgresql` package, installed by scripts/setup.sh) in
/// `/usr/lib/postgresql/<version>/bin`, or the folder `$MICE_PG_BIN` names. PostgreSQL refuses to
/// run as root, so when the tests run as root the server runs as `nobody` through `setpriv`
/// (util-linux), which changes the user and then execs the program: the process we start *is*
/// the server, so stopping it is one signal to a pid we own. The folder is handed to that user.
/// The role `mice` logs in with a password (scram-sha-256) over TCP.
/// A test fixture that could not be set up; the message says what to install or fix.
public struct TestSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public final class PostgresTestServer {
    public let folder: String
    public let port: Int
    public let user = "mice"
    /// A password with characters a URL must escape.
    public let password: String
    private let process: Process

    /// The same as a URL, password percent-encoded.
    public var url: String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let escaped = password.addingPercentEncoding(withAllowedCharacters: allowed) ?? password
        return "postgres://\(user):\(escaped)@127.0.0.1:\(port)/mice"
    }

    private init(folder: String, port: Int, password: String, process: Process) {
        self.folder = folder
        self.port = port
        self.password = password
        self.process = process
    }

    /// Starts a server, runs `body`, stops the server and removes its folder.
    public static func with<Result>(_ body: (PostgresTestServer) async throws -> Result) async throws -> Result {
        let server = try await start()
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await body(server))
        } catch {
            outcome = .failure(error)
        }
        await server.stop()
        return try outcome.get()
    }

    // MARK: - Start

    /// The folder of `initdb` and `postgres`.
    static func binaries() throws -> String {
        let fileManager = FileManager.default
        if let bin = ProcessInfo.processInfo.environment["MICE_PG_BIN"], !bin.isEmpty { return bin }
        let root = "/usr/lib/postgresql"
        let versions = ((try? fileManager.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions where fileManager.isExecutableFile(atPath: "\(root)/\(version)/bin/postgres") {
            return "\(root)/\(version)/bin"
        }
        throw TestSetupError(
            "PostgreSQL server binaries not found in /usr/lib/postgresql/<version>/bin: install Debian's "
                + "postgresql package (bash scripts/setup.sh) or set MICE_PG_BIN")
    }

    /// The argv prefix that runs a program as an unprivileged user, and that user's ids, when
    /// running as root; nothing otherwise.
    static func unprivileged() throws -> (prefix: [String], uid: uid_t, gid: gid_t)? {
        guard getuid() == 0 else { return nil }
        guard let entry = getpwnam("nobody") else {
            throw TestSetupError(
                "running as root and there is no user nobody to run PostgreSQL as")
        }
        let uid = entry.pointee.pw_uid
        let gid = entry.pointee.pw_gid
        let setpriv = "/usr/bin/setpriv"
        guard FileManager.default.isExecutableFile(atPath: setpriv) else {
            throw TestSetupError(
                "running as root and \(setpriv) (util-linux) is missing")
        }
        return ([setpriv, "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--"], uid, gid)
    }

    public static func start() async throws -> PostgresTestServer {
        let bin = try binaries()
        let privileges = try unprivileged()
        let folder = "/tmp/mice-pg-\(UUID().uuidString.prefix(12))"
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let passwordFile = folder + "/password"
        let password = "pw:/@%' \(UUID().uuidString.prefix(8))"
        try Data(password.utf8).write(to: URL(fileURLWithPath: passwordFile))
        if let privileges {
            for path in [folder, passwordFile] { chown(path, privileges.uid, privileges.gid) }
        }
        chmod(folder, 0o700)
        let prefix = privileges?.prefix ?? []

        let initdbArgv =
            prefix + [
                bin + "/initdb", "-D", folder + "/data", "-U", "mice", "--pwfile=\(passwordFile)",
                "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
            ]
        let initdb = try runProgram(initdbArgv[0], Array(initdbArgv.dropFirst()), timeout: 120)
        guard initdb.status == 0 else {
            try? fileManager.removeItem(atPath: folder)
            throw TestSetupError(
                "initdb failed (\(initdb.status)): \(initdb.errorText)\(String(decoding: initdb.output, as: UTF8.self))"
            )
        }

        var lastLog = ""
        for _ in 0..<3 {
            let port = try freePort()
            let logPath = folder + "/server.log"
            _ = fileManager.createFile(atPath: logPath, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            let process = Process()
            let argv =
                prefix + [
                    bin + "/postgres", "-D", folder + "/data", "-k", folder, "-p", "\(port)", "-h", "127.0.0.1",
                    "-c", "max_connections=20", "-c", "shared_buffers=16MB",
                ]
            process.executableURL = URL(fileURLWithPath: argv[0])
            process.arguments = Array(argv.dropFirst())
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = log
            process.standardError = log
            try process.run()
            try? log.close()
            let started = PostgresTestServer(folder: folder, port: port, password: password, process: process)
            if try await started.waitUntilReady(deadline: .now + .seconds(60)) { return started }
            lastLog = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            await started.stop(removingFolder: false)
        }
        try? fileManager.removeItem(atPath: folder)
        throw TestSetupError(
            "PostgreSQL did not start: \(lastLog)")
    }

    /// Polls a real login until it works (true), the server exits or the deadline passes (false).
    private func waitUntilReady(deadline: ContinuousClock.Instant) async throws -> Bool {
        let logger = Logger(label: "mice.test.pg", factory: { _ in SwiftLogNoOpLogHandler() })
        var configuration = PostgresConnection.Configuration(
            host: "127.0.0.1", port: port, username: user, password: password, database: "postgres", tls: .disable)
        configuration.options.connectTimeout = .seconds(2)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { return false }
            if let connection = try? await PostgresConnection.connect(
                configuration: configuration, id: 1, logger: logger)
            {
                try await connection.query("CREATE DATABASE mice", logger: logger)
                try? await connection.close()
                return true
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// A TCP port of 127.0.0.1 that was free a moment ago.
    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    // MARK: - Stop

    /// Fast shutdown (SIGINT), SIGKILL after 30 s; then the folder is removed.
    public func stop(removingFolder: Bool = true) async {
        if process.isRunning {
            kill(process.processIdentifier, SIGINT)
            let deadline = ContinuousClock.now + .seconds(30)
            while process.isRunning && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                FileHandle.standardError.write(Data("PostgreSQL did not stop within 30 s after SIGINT; killed\n".utf8))
            }
            process.waitUntilExit()
        }
        if removingFolder { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// Runs one SQL statement as the test's superuser (for fixtures such as triggers).
    public func execute(_ sql: String) async throws {
        _ = try await rows(sql)
    }

    /// The first column of every row `sql` returns, as text.
    public func rows(_ sql: String) async throws -> [String] {
        let logger = Logger(label: "mice.test.pg", factory: { _ in SwiftLogNoOpLogHandler() })
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: "127.0.0.1", port: port, username: user, password: password, database: "mice", tls: .disable),
            id: 2, logger: logger)
        var values: [String] = []
        do {
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
                if row.count > 0 { values.append(try row.makeRandomAccess()[0].decode(String?.self) ?? "") }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        return values
    }
}
