// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import MICEPluginManifest

/// `micectl plugins validate [DIR]`: every error and warning of every manifest, and a summary.
struct PluginsValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check every plugin manifest of a plugins directory.",
        discussion: """
            Prints every error and warning with its file and key, then a summary. Exits 0 when every manifest \
            is valid (warnings allowed), 1 otherwise. DIR may also be a single plugin folder.
            """
    )

    @OptionGroup var pluginsRoot: PluginsRootArgument

    func run() async throws {
        let directory = try pluginsRoot.discover()
        for warning in directory.folderWarnings {
            print("warning: \(warning)")
        }
        for report in directory.reports {
            for error in report.errors { print("error: \(error)") }
            for warning in report.warnings { print("warning: \(warning)") }
            if let manifest = report.manifest {
                print("ok: \(report.file) (\(manifest.kind.rawValue) \(manifest.name) \(manifest.version))")
            }
        }
        print(Self.summary(directory))
        if !directory.isValid { throw ExitCode.failure }
    }

    /// `plugins: 3 manifests, 2 valid, 1 invalid; 2 errors, 1 warning`.
    static func summary(_ directory: PluginDirectory) -> String {
        let total = directory.reports.count
        let valid = directory.manifests.count
        if total == 0 {
            return "\(directory.root): no plugin.json found; \(count(directory.warnings.count, "warning"))"
        }
        return "\(directory.root): \(count(total, "manifest")), \(valid) valid, \(total - valid) invalid;"
            + " \(count(directory.errors.count, "error")), \(count(directory.warnings.count, "warning"))"
    }

    private static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }
}
