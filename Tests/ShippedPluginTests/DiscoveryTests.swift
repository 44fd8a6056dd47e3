// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEPluginManifest
import MICETestSupport
import Testing

@Suite("Shipped plugins: discovery", .timeLimit(.minutes(5)))
struct DiscoveryTests {
    @Test("plugins/ holds exactly the shipped plugins, every manifest valid and without warnings")
    func everyManifestIsValid() throws {
        let directory = try ShippedPlugins.discover()
        #expect(directory.errors.isEmpty, "\(directory.errors.map(\.description).joined(separator: "\n"))")
        #expect(directory.warnings.isEmpty, "\(directory.warnings.map(\.description).joined(separator: "\n"))")
        #expect(Set(directory.manifests.map(\.name)) == ShippedPlugins.expectedNames)
        for manifest in directory.manifests {
            #expect(manifest.directory.hasSuffix("/\(manifest.kind.folderName)/\(manifest.name)"))
        }
    }

    @Test("every @bin/NAME program is built in the bin directory, named like its plugin folder")
    func swiftExecutablesAreBuilt() throws {
        let directory = try ShippedPlugins.discover()
        let swiftPlugins = directory.manifests.filter { $0.exec.first?.hasPrefix("@bin/") == true }
        #expect(swiftPlugins.count == 22)
        // Plugin folders that reuse a shipped wrapper program, naming their script after it.
        let wrappers = ["mice-agent-sh-example": "mice-agent-shell"]
        for manifest in swiftPlugins {
            if let wrapper = wrappers[manifest.name] {
                #expect(manifest.exec.first == "@bin/\(wrapper)" && manifest.exec.count == 2)
                continue
            }
            #expect(manifest.exec == ["@bin/\(manifest.name)"])
            let program = manifest.resolveExecutable(binDirectory: ShippedPlugins.binDirectory)
            #expect(FileManager.default.isExecutableFile(atPath: program), "\(program) is not built")
        }
    }
}
