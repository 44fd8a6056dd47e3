// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import MICECore
import MICEDaemon
import MICEPluginManifest

#if canImport(Glibc)
import Glibc
#endif

/// A function-ID table entry resolved at start: the configuration row, the reaction plugin's
/// manifest and option values, and the numeric ids the module runs as.
public struct ReactionTableEntry: Sendable, Hashable {
    /// The configuration row.
    public var entry: ReactionDaemonConfig.Entry
    /// The reaction plugin.
    public var manifest: PluginManifest
    /// The operator's option values (RCT_FILE).
    public var configuration: [String: JSONValue]
    /// The uid of RCT_USER.
    public var uid: UInt32
    /// The gid of RCT_GROUP.
    public var gid: UInt32

    /// Resolves every row of `config` against the plugins.
    /// - Throws: ``ReactionDaemonError`` (`badEntry`) naming the FID's line and what is wrong.
    public static func resolve(config: ReactionDaemonConfig, resolver: ModuleResolver) throws(ReactionDaemonError)
        -> [ReactionTableEntry]
    {
        var table: [ReactionTableEntry] = []
        for entry in config.entries {
            let at = "FID 0x\(String(entry.functionID, radix: 16)) (line \(entry.line.map(String.init) ?? "?"))"
            let module: ResolvedModule
            do {
                module = try resolver.resolve(name: entry.module, kind: .reaction, configFile: entry.configFile)
            } catch {
                throw ReactionDaemonError(.badEntry, "\(at): \(error)")
            }
            guard let uid = userID(entry.user) else {
                throw ReactionDaemonError(.badEntry, "\(at): RCT_USER \(entry.user) does not exist")
            }
            guard let gid = groupID(entry.group) else {
                throw ReactionDaemonError(.badEntry, "\(at): RCT_GROUP \(entry.group) does not exist")
            }
            table.append(
                ReactionTableEntry(
                    entry: entry, manifest: module.manifest, configuration: module.configuration, uid: uid, gid: gid))
        }
        return table
    }

    static func userID(_ name: String) -> UInt32? {
        if let number = UInt32(name) { return number }
        return getpwnam(name).map { $0.pointee.pw_uid }
    }

    static func groupID(_ name: String) -> UInt32? {
        if let number = UInt32(name) { return number }
        return getgrnam(name).map { $0.pointee.gr_gid }
    }
}
