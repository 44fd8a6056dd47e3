// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// File helpers shared by the NFR readers and recorders.
enum NFRFiles {
    /// The file's text (UTF-8; invalid bytes replaced).
    static func readText(_ path: String) throws(NFRError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NFRError(.unreadable, file: path, "cannot read the file")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether a path names a directory.
    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Whether a path names a regular file (or anything but a directory).
    static func isFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// The names in a directory, sorted, or an error naming it.
    static func list(_ path: String) throws(NFRError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw NFRError(.unreadable, file: path, "cannot list the folder: \(error.localizedDescription)")
        }
    }

    /// Creates a directory and its parents.
    static func makeDirectory(_ path: String) throws(NFRError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw NFRError(.unreadable, file: path, "cannot create the folder: \(error.localizedDescription)")
        }
    }
}
