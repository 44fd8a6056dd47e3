// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A scratch folder every user can write (a daemon drops to nobody when the tests run as root).
public struct Scratch: Sendable {
    public let path: String

    /// A new folder `/tmp/mice-<name>-<random>`.
    public init(_ name: String) throws {
        path = "/tmp/mice-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, 0o777)
    }

    /// Writes `text` to the file `name` in the folder (readable by all); returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        chmod(file, 0o644)
        return file
    }

    /// The subfolder `name`, made (writable by all) when missing.
    public func folder(_ name: String) -> String {
        let folder = path + "/" + name
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        chmod(folder, 0o777)
        return folder
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
