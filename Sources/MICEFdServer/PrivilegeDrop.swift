// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Gives up root for good in the main process, once the fd server is running.
///
/// As root: supplementary groups become just `group`, then the real, effective and saved group
/// and user IDs all become the configured ones (setgroups, setgid, setuid, in that order), and
/// the drop is verified: the IDs are the new ones and `setuid(0)` fails. Unlike the original, no
/// saved root ID is kept (it used setreuid(0, user) and regained root later). Not as root:
/// nothing changes and one line is logged.
public enum PrivilegeDrop {
    /// What ``drop(user:group:logger:)`` did.
    public enum Outcome: Sendable, Hashable {
        /// Now running as this user and group.
        case dropped(uid: UInt32, gid: UInt32)
        /// The process was not root; it keeps its IDs.
        case notRoot(uid: UInt32)
    }

    /// Becomes `user` and `group` when running as root.
    /// - Throws: ``FdServerError`` (unknownUser, unknownGroup, privilegeDropFailed). A caller that
    ///   gets an error must not go on running as root.
    @discardableResult
    public static func drop(user: String, group: String, logger: Logger) throws -> Outcome {
        guard geteuid() == 0 else {
            logger.info(
                "not running as root; keeping the current user",
                metadata: ["privileges.uid": "\(getuid())", "privileges.user": "\(user)"])
            return .notRoot(uid: getuid())
        }
        let uid = try lookUpUser(user)
        let gid = try lookUpGroup(group)
        guard uid != 0 else {
            throw FdServerError(.privilegeDropFailed, subject: user, "refusing to keep running as root (uid 0)")
        }
        var groups = [gid_t(gid)]
        guard setgroups(1, &groups) == 0 else {
            throw FdServerError(.privilegeDropFailed, subject: group, errno: errno, "setgroups")
        }
        guard setgid(gid_t(gid)) == 0 else {
            throw FdServerError(.privilegeDropFailed, subject: group, errno: errno, "setgid")
        }
        guard setuid(uid_t(uid)) == 0 else {
            throw FdServerError(.privilegeDropFailed, subject: user, errno: errno, "setuid")
        }
        guard getuid() == uid, geteuid() == uid, getgid() == gid, getegid() == gid, setuid(0) != 0 else {
            throw FdServerError(.privilegeDropFailed, subject: user, "root could be regained after the drop")
        }
        logger.info(
            "dropped root privileges", metadata: ["privileges.user": "\(user)", "privileges.group": "\(group)"])
        return .dropped(uid: uid, gid: gid)
    }

    /// The uid of a user name (or a decimal uid).
    public static func lookUpUser(_ name: String) throws -> UInt32 {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        let rc = getpwnam_r(name, &entry, &buffer, buffer.count, &result)
        if rc == 0, let result { return result.pointee.pw_uid }
        if let number = UInt32(name) { return number }
        throw FdServerError(.unknownUser, subject: name, errno: rc)
    }

    /// The gid of a group name (or a decimal gid).
    public static func lookUpGroup(_ name: String) throws -> UInt32 {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        let rc = getgrnam_r(name, &entry, &buffer, buffer.count, &result)
        if rc == 0, let result { return result.pointee.gr_gid }
        if let number = UInt32(name) { return number }
        throw FdServerError(.unknownGroup, subject: name, errno: rc)
    }
}
