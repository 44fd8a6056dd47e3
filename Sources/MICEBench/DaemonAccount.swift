// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// The USER and GROUP the benchmark's daemons run as: the caller's own account, or, when the
/// caller is root (the daemons never keep root), `nobody`/`nogroup`, to whom the work folder is handed.
public struct DaemonAccount: Sendable {
    public var user: String
    public var group: String
    public var uid: uid_t
    public var gid: gid_t

    public static func forBenchmark(owning folder: String) throws -> DaemonAccount {
        if geteuid() != 0 {
            let user = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "\(geteuid())"
            let group = getgrgid(getegid()).map { String(cString: $0.pointee.gr_name) } ?? "\(getegid())"
            return DaemonAccount(user: user, group: group, uid: geteuid(), gid: getegid())
        }
        guard let password = getpwnam("nobody") else { throw BenchmarkError("no user nobody on this host") }
        let gid = password.pointee.pw_gid
        let group = getgrgid(gid).map { String(cString: $0.pointee.gr_name) } ?? "\(gid)"
        return DaemonAccount(user: "nobody", group: group, uid: password.pointee.pw_uid, gid: gid)
    }

    /// Gives `folder` and everything in it to the account (only when running as root).
    public func handOver(_ folder: String) throws {
        guard geteuid() == 0 else { return }
        let paths = [folder] + (FileManager.default.subpaths(atPath: folder) ?? []).map { folder + "/" + $0 }
        // A file may vanish between the listing and its chown (SQLite removes its -wal and -shm
        // files when the last connection closes): that one needs no new owner.
        for path in paths where chown(path, uid, gid) != 0 && errno != ENOENT {
            throw BenchmarkError("cannot hand \(path) to \(user): \(String(cString: strerror(errno)))")
        }
    }
}
