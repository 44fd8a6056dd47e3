// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

extension PluginManifest {
    /// What `exec[0]` names: `@bin/NAME`, an absolute path, or a path in the plugin folder.
    public var execTarget: ExecTarget {
        ExecTarget(exec.first ?? "")
    }

    /// The absolute path of the program to start: `@bin/NAME` becomes `binDirectory/NAME`, a
    /// relative path is taken inside ``directory``, an absolute path stays as it is.
    ///
    /// - Parameter binDirectory: Where this project's programs are (e.g. the output of
    ///   `swift build --show-bin-path`, or the install prefix's `libexec/mice`).
    /// - Returns: An absolute, normalized path. No file system access is made: a missing `@bin/`
    ///   program shows up when the host spawns it.
    public func resolveExecutable(binDirectory: String) -> String {
        execTarget.resolve(pluginDirectory: directory, binDirectory: binDirectory)
    }

    /// The argv to spawn: ``resolveExecutable(binDirectory:)`` followed by `exec[1...]` unchanged.
    /// - Parameter binDirectory: As for ``resolveExecutable(binDirectory:)``.
    /// - Returns: The full argument vector; element 0 is an absolute path.
    public func resolvedArguments(binDirectory: String) -> [String] {
        [resolveExecutable(binDirectory: binDirectory)] + exec.dropFirst()
    }
}
