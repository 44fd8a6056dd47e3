// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The paths the fd server may open: the DataForwarder's configured FILE paths, nothing else.
///
/// A request must name an allowed path exactly (no normalisation is applied, so `/var/log/../x`
/// is simply not on the list), and the path's canonical form (realpath, all symbolic links
/// resolved) must itself be on the list. So a log file replaced by a symbolic link to
/// `/etc/shadow` is refused, and so is one reached through a symlinked folder: list the real path.
public struct FdAllowList: Sendable, Hashable {
    /// The allowed absolute paths.
    public let paths: Set<String>

    /// - Parameter paths: Absolute paths; relative ones are ignored (they could never match).
    public init(_ paths: some Sequence<String>) {
        self.paths = Set(paths.filter { $0.hasPrefix("/") })
    }

    /// Whether `path` is on the list, exactly.
    public func contains(_ path: String) -> Bool { paths.contains(path) }
}
