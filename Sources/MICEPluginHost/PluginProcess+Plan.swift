// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import MICEPluginManifest
import MICEWire

#if canImport(Glibc)
import Glibc
#endif

extension PluginProcess {
    /// util-linux exec wrapper that sets resource limits, then execs the rest of argv.
    static let prlimitPath = "/usr/bin/prlimit"
    /// util-linux exec wrapper that changes uid/gid and clears supplementary groups.
    static let setprivPath = "/usr/bin/setpriv"
    /// Host variables passed through when set (spec section 1.3).
    static let passedThroughVariables = ["PATH", "LANG", "LC_ALL", "TZ", "HOME"]

    /// What ``spawn(manifest:options:logger:)`` executes: the full argv (wrappers first) and the
    /// environment.
    struct Plan: Hashable, Sendable {
        var argv: [String]
        var environment: [String: String]
        var workingDirectory: String
    }

    /// Resolves the executable of `exec[0]`: `@bin/NAME` against `binDirectory`, an absolute path
    /// as is, anything else relative to the plugin folder. No PATH search, no shell.
    static func resolveExecutable(_ exec: String, directory: String, binDirectory: String?) throws(PluginError)
        -> String
    {
        if exec.hasPrefix("@bin/") {
            let name = String(exec.dropFirst(5))
            guard let binDirectory, !name.isEmpty, !name.contains("/") else {
                throw PluginError(.spawnFailed, plugin: "?", "cannot resolve \(exec): no bin directory given")
            }
            return binDirectory.hasSuffix("/") ? binDirectory + name : binDirectory + "/" + name
        }
        if exec.hasPrefix("/") { return exec }
        return directory.hasSuffix("/") ? directory + exec : directory + "/" + exec
    }

    /// Builds the argv and environment for `manifest`.
    ///
    /// Privileges and limits are applied by placing util-linux's `prlimit` and `setpriv` in front
    /// of the module's argv. They are exec wrappers (each execs the next argv element; the pid and
    /// the process group stay the module's), not shells, and keep the C code of this package to
    /// a few wrappers around posix_spawn. `setpriv` is only used when the host runs as root.
    static func plan(
        manifest: PluginManifest,
        options: PluginSpawnOptions,
        stateDirectory: String,
        isRoot: Bool,
        hostVariable: (String) -> String?
    ) throws(PluginError) -> Plan {
        guard let first = manifest.exec.first else {
            throw PluginError(.spawnFailed, plugin: manifest.name, "manifest has an empty exec")
        }
        var executable: String
        do {
            executable = try resolveExecutable(first, directory: manifest.directory, binDirectory: options.binDirectory)
        } catch {
            throw PluginError(.spawnFailed, plugin: manifest.name, error.detail)
        }
        var argv = [executable] + manifest.exec.dropFirst()

        let sandbox = manifest.sandbox
        if isRoot, sandbox.user != nil || sandbox.group != nil {
            let ids = try resolveIdentity(user: sandbox.user, group: sandbox.group, plugin: manifest.name)
            var wrapper = [setprivPath]
            if let uid = ids.uid { wrapper.append("--reuid=\(uid)") }
            if let gid = ids.gid { wrapper.append("--regid=\(gid)") }
            wrapper += ["--clear-groups", "--"]
            argv = wrapper + argv
        }
        let limits = sandbox.limits
        if !limits.isEmpty {
            var wrapper = [prlimitPath]
            if let value = limits.cpuSeconds { wrapper.append("--cpu=\(value):\(value)") }
            if let value = limits.memoryBytes { wrapper.append("--as=\(value):\(value)") }
            if let value = limits.openFiles { wrapper.append("--nofile=\(value):\(value)") }
            if let value = limits.processes { wrapper.append("--nproc=\(value):\(value)") }
            if let value = limits.fileSizeBytes { wrapper.append("--fsize=\(value):\(value)") }
            argv = wrapper + ["--"] + argv
        }
        executable = argv[0]

        var environment: [String: String] = [:]
        for name in passedThroughVariables + sandbox.environment {
            if let value = hostVariable(name) { environment[name] = value }
        }
        if options.passesCookie {
            environment[PluginProtocol.cookieVariable] = PluginProtocol.cookieValue
        }
        environment[PluginProtocol.versionsVariable] = PluginProtocol.supportedVersions.map(String.init)
            .joined(separator: ",")
        environment[PluginProtocol.nameVariable] = manifest.name
        environment[PluginProtocol.kindVariable] = manifest.kind.rawValue
        environment[PluginProtocol.modeVariable] = manifest.protocol.mode.rawValue
        environment[PluginProtocol.directoryVariable] = manifest.directory
        environment[PluginProtocol.stateDirectoryVariable] = stateDirectory
        if manifest.protocol.mode == .lines {
            let config = ControlCoding.encode(manifest.effectiveConfig(options.configuration))
            environment[PluginProtocol.configVariable] = String(decoding: config, as: UTF8.self)
        }
        return Plan(argv: argv, environment: environment, workingDirectory: manifest.directory)
    }

    /// Resolves user and group names (or numbers) to ids; a user without a group gets the user's
    /// primary group.
    static func resolveIdentity(user: String?, group: String?, plugin: String) throws(PluginError)
        -> (uid: UInt32?, gid: UInt32?)
    {
        var uid: UInt32?
        var gid: UInt32?
        if let user {
            if let number = UInt32(user) {
                uid = number
                if let entry = getpwuid(number) { gid = entry.pointee.pw_gid }
            } else if let entry = getpwnam(user) {
                uid = entry.pointee.pw_uid
                gid = entry.pointee.pw_gid
            } else {
                throw PluginError(.spawnFailed, plugin: plugin, "sandbox.user \(user) does not exist")
            }
        }
        if let group {
            if let number = UInt32(group) {
                gid = number
            } else if let entry = getgrnam(group) {
                gid = entry.pointee.gr_gid
            } else {
                throw PluginError(.spawnFailed, plugin: plugin, "sandbox.group \(group) does not exist")
            }
        }
        return (uid, gid)
    }
}
