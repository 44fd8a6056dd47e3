// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// What `exec[0]` of a manifest names: a program built by this project, an absolute path, or a
/// file in the plugin folder.
public enum ExecTarget: Hashable, Sendable {
    /// `@bin/NAME`: a program built by this project, found in the host's bin directory at start.
    case bin(String)
    /// An absolute path, used as is (e.g. `/usr/bin/python3`).
    case absolute(String)
    /// A path relative to the plugin folder (e.g. `filter.sh`, `bin/filter`).
    case relative(String)

    /// The prefix of ``bin(_:)`` targets.
    public static let binPrefix = "@bin/"

    /// Classifies `argument` by its form alone; whether it is valid is the loader's job.
    public init(_ argument: String) {
        if argument.hasPrefix(Self.binPrefix) {
            self = .bin(String(argument.dropFirst(Self.binPrefix.count)))
        } else if argument.hasPrefix("/") {
            self = .absolute(argument)
        } else {
            self = .relative(argument)
        }
    }

    /// The absolute path of the program.
    /// - Parameters:
    ///   - pluginDirectory: The plugin folder (absolute), base of relative targets.
    ///   - binDirectory: Where this project's programs are (e.g. `swift build --show-bin-path`),
    ///     base of `@bin/` targets. A relative value is taken relative to the current directory.
    /// - Returns: A normalized absolute path; no file system access is made.
    public func resolve(pluginDirectory: String, binDirectory: String) -> String {
        switch self {
        case .bin(let name): return PathUtilities.join(PathUtilities.absolute(binDirectory), name)
        case .absolute(let path): return PathUtilities.normalize(path)
        case .relative(let path): return PathUtilities.join(PathUtilities.absolute(pluginDirectory), path)
        }
    }
}
