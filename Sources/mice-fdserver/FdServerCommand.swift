// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import MICEFdServer

#if canImport(Glibc)
import Glibc
#endif

/// The privileged file-descriptor server of the DataForwarder. Started by the DataForwarder
/// (FdServerProcess), never by hand: it serves open requests on an inherited socket and exits
/// when the socket closes.
@main
struct FdServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mice-fdserver",
        abstract: "Opens allowed log files read-only and passes their descriptors over a socket (docs/fd-server.md).")

    @Option(help: "The inherited SOCK_SEQPACKET socket.")
    var socketFd: Int32 = 3

    @Option(help: "Become this user, keeping only the capability to read any file (needs --group).")
    var user: String?

    @Option(help: "The group for --user.")
    var group: String?

    @Option(name: .customLong("allow"), help: "An absolute path that may be opened (repeat for more).")
    var allowed: [String] = []

    func run() throws {
        var info = stat()
        guard fstat(socketFd, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK else {
            throw ValidationError(
                "descriptor \(socketFd) is not a socket; mice-fdserver is started by the DataForwarder")
        }
        umask(0o077)
        if let user, let group {
            try FdServer.keepOnlyReadAccess(user: user, group: group)
        }
        let served = FdServer.serve(socket: socketFd, allowList: FdAllowList(allowed)) { line in
            let bytes = Array("mice-fdserver: \(line)\n".utf8)
            _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        }
        _ = served
    }
}
