// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// Where the repository and the built programs are, for every test target.
public enum TestPaths {
    /// The repository root (this file is Tests/MICETestSupport/TestPaths.swift).
    public static let repositoryRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The folder holding the built executables (`micectl`, the Swift plugins for `@bin/NAME`):
    /// `$MICE_BIN_DIR` when set, else the first folder holding `micectl`, walking up from the test
    /// binary (which `swift build` puts next to them), else `.build/debug`.
    public static let binDirectory: String = {
        let fileManager = FileManager.default
        if let bin = ProcessInfo.processInfo.environment["MICE_BIN_DIR"], !bin.isEmpty { return bin }
        let starts: [String?] = [
            try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe"), CommandLine.arguments.first,
            Bundle.main.bundleURL.path,
        ]
        for start in starts.compactMap({ $0 }) {
            var folder = URL(fileURLWithPath: start).standardizedFileURL.deletingLastPathComponent()
            while folder.path != "/" {
                if fileManager.isExecutableFile(atPath: folder.appendingPathComponent("micectl").path) {
                    return folder.path
                }
                folder = folder.deletingLastPathComponent()
            }
        }
        return repositoryRoot + "/.build/debug"
    }()

    /// The shipped plugins root.
    public static var pluginsRoot: String { repositoryRoot + "/plugins" }
}
