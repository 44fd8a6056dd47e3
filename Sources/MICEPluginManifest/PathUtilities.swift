// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Lexical path helpers and the few file system questions the loader asks.
enum PathUtilities {
    /// `path` made absolute against the current directory, then normalized.
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return normalize(path) }
        return join(FileManager.default.currentDirectoryPath, path)
    }

    /// `base/path`, normalized; `path` is used alone when it is absolute.
    static func join(_ base: String, _ path: String) -> String {
        if path.hasPrefix("/") { return normalize(path) }
        if base.isEmpty { return normalize(path) }
        return normalize(base + "/" + path)
    }

    /// Removes empty and `.` components and resolves `..` lexically. Keeps a leading `/`; a
    /// relative path that becomes empty is `.`.
    static func normalize(_ path: String) -> String {
        let isAbsolute = path.hasPrefix("/")
        var components: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..":
                if let last = components.last, last != ".." {
                    components.removeLast()
                } else if !isAbsolute {
                    components.append(component)
                }
            default: components.append(component)
            }
        }
        let joined = components.joined(separator: "/")
        if isAbsolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// A path for messages: `root` as the caller wrote it (minus a leading `./`) joined with a
    /// relative path below it.
    static func display(root: String, _ relative: String) -> String {
        var base = root
        while base.hasPrefix("./") { base.removeFirst(2) }
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        if base.isEmpty || base == "." { return relative }
        if relative.isEmpty { return base }
        return base == "/" ? "/" + relative : base + "/" + relative
    }

    /// The last component of a path.
    static func lastComponent(_ path: String) -> String {
        String(normalize(path).split(separator: "/").last ?? "")
    }

    /// The path without its last component.
    static func parent(_ path: String) -> String {
        let normalized = normalize(path)
        guard let slash = normalized.lastIndex(of: "/") else { return "." }
        if slash == normalized.startIndex { return "/" }
        return String(normalized[..<slash])
    }

    /// Whether `path` is a directory (following symbolic links).
    static func isDirectory(_ path: String) -> Bool {
        var isDirectory = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory
    }

    /// Whether `path` exists and is not a directory (following symbolic links).
    static func isFile(_ path: String) -> Bool {
        var isDirectory = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory
    }

    /// Whether the current user may execute `path`.
    static func isExecutable(_ path: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: path)
    }
}
