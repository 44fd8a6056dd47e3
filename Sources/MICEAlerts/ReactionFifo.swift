// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// Creates and checks the FIFO of a reaction ID: mode 0600, owned by the agent's user.
public enum ReactionFifo {
    /// Makes sure `path` is a FIFO owned by `user`/`group` (default: this process's) with mode
    /// 0600: creates it when missing (chown needs root, or the same user), tightens the mode of an
    /// existing one, and refuses anything else at the path.
    /// - Throws: ``AlertConfigError`` with code `fifo`.
    public static func prepare(path: String, user: String? = nil, group: String? = nil) throws(AlertConfigError) {
        let (uid, gid) = try owner(user: user, group: group)
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT else { throw failure(path, "cannot examine: \(String(cString: strerror(errno)))") }
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            if mkfifo(path, 0o600) != 0 && errno != EEXIST {
                throw failure(path, "cannot create: \(String(cString: strerror(errno)))")
            }
            guard lstat(path, &info) == 0 else { throw failure(path, "vanished after creation") }
        }
        guard info.st_mode & S_IFMT == S_IFIFO else { throw failure(path, "exists and is not a FIFO") }
        if info.st_uid != uid || info.st_gid != gid {
            guard chown(path, uid, gid) == 0 else {
                throw failure(
                    path,
                    "owned by uid \(info.st_uid) gid \(info.st_gid), not \(uid):\(gid), and cannot be changed: "
                        + String(cString: strerror(errno)))
            }
        }
        if info.st_mode & 0o777 != 0o600 {
            guard chmod(path, 0o600) == 0 else { throw failure(path, "cannot set mode 0600") }
        }
    }

    /// The uid and gid of `user` and `group` (nil: this process's effective ones).
    static func owner(user: String?, group: String?) throws(AlertConfigError) -> (uid_t, gid_t) {
        var uid = geteuid()
        var gid = getegid()
        if let user {
            guard let entry = getpwnam(user) else {
                throw AlertConfigError(.invalidSetting, key: "USER", "no such user \"\(user)\"")
            }
            uid = entry.pointee.pw_uid
            gid = entry.pointee.pw_gid
        }
        if let group {
            guard let entry = getgrnam(group) else {
                throw AlertConfigError(.invalidSetting, key: "GROUP", "no such group \"\(group)\"")
            }
            gid = entry.pointee.gr_gid
        }
        return (uid, gid)
    }

    private static func failure(_ path: String, _ message: String) -> AlertConfigError {
        AlertConfigError(.fifo, file: path, message)
    }
}
