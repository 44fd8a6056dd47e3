// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// One `.nfr` file's text and the path used in messages.
public struct NCodeSource: Sendable {
    /// The path shown in messages (`packages/id/new_badhosts.nfr`).
    public var path: String
    /// The N-Code text.
    public var text: String
    /// What `scope()` returns for code of this file; by default `<folder>:<file name without .nfr>`
    /// (`id:new_badhosts`), or the bare file name when the path has no folder.
    public var scope: String

    public init(path: String, text: String, scope: String? = nil) {
        self.path = path
        self.text = text
        self.scope = scope ?? NCodeSource.defaultScope(path: path)
    }

    /// `packages/id/new_badhosts.nfr` → `id:new_badhosts`.
    public static func defaultScope(path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var name = parts.last.map(String.init) ?? path
        if name.hasSuffix(".nfr") { name.removeLast(4) }
        if parts.count >= 2 { return "\(parts[parts.count - 2]):\(name)" }
        return name
    }
}

/// Where a built-in or runtime error was called from: the file and line of the call.
public struct NCodeOrigin: Sendable, Hashable, CustomStringConvertible {
    /// The source's path.
    public var path: String
    /// 1-based line of the call.
    public var line: Int

    public init(path: String, line: Int) {
        self.path = path
        self.line = line
    }

    public var description: String { "\(path):\(line)" }
}
