// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICEPluginManifest
import Testing

/// The fake plugins' manifests obey the real loader's rules (docs/plugin-manifest.md), and the
/// values the host tests depend on are read from them as written.
@Suite("Fake plugin manifests")
struct FakeManifestTests {
    @Test("every fixture under Tests/Fixtures/plugins loads without errors or warnings")
    func allFixturesAreValid() throws {
        let directory = try PluginDirectory.discover(root: FakePlugins.root)
        #expect(directory.errors.isEmpty, "\(directory.errors.map(\.description).joined(separator: "\n"))")
        #expect(directory.warnings.isEmpty, "\(directory.warnings.map(\.description).joined(separator: "\n"))")
        let folders = try FileManager.default.contentsOfDirectory(atPath: FakePlugins.root).filter {
            FileManager.default.fileExists(atPath: FakePlugins.root + "/" + $0 + "/plugin.json")
        }
        #expect(Set(directory.manifests.map(\.name)) == Set(folders))
        #expect(folders.count >= 18)
    }

    @Test("FakePlugins.manifest gives the loader's manifest, absolute paths and all")
    func manifestComesFromTheLoader() throws {
        for name in ["ok-echo", "slow-start", "lines-filter", "slow-reader", "ignores-ping", "python-bench"] {
            let manifest = try FakePlugins.manifest(name)
            #expect(manifest == (try PluginManifestLoader().load(pluginDirectory: FakePlugins.root + "/" + name).get()))
            #expect(manifest.directory == FakePlugins.root + "/" + name)
            #expect(manifest.file == manifest.directory + "/plugin.json")
            #expect(manifest.kind == .filter)
        }
    }

    @Test("the timeouts, windows and modes the host tests rely on")
    func valuesTheTestsRelyOn() throws {
        #expect(try FakePlugins.manifest("slow-start").timeouts.startSeconds == 0.5)
        #expect(try FakePlugins.manifest("ignores-sigterm").timeouts.shutdownSeconds == 0.3)
        #expect(try FakePlugins.manifest("ignores-ping").timeouts.heartbeatSeconds == 0.1)
        #expect(try FakePlugins.manifest("slow-reader").protocol.maxInFlight == 8)
        #expect(try FakePlugins.manifest("lines-filter").protocol.mode == .lines)
        #expect(try FakePlugins.manifest("ok-echo").options["echo"]?.defaultValue == .bool(false))
        #expect(try FakePlugins.manifest("crash-after-n-frames").restart.initialDelaySeconds == 0.05)
        // Keys a fixture leaves out take the documented defaults.
        let bench = try FakePlugins.manifest("python-bench")
        #expect(bench.timeouts.startSeconds == 10 && bench.restart.policy == .onFailure)
        #expect(bench.exec == ["/usr/bin/python3", "bench.py"])
    }

    @Test("a fixture the loader refuses fails with every error named")
    func invalidFixtureIsReported() throws {
        #expect(throws: FakePlugins.InvalidFixture.self) { try FakePlugins.manifest("_lib") }
        do {
            _ = try FakePlugins.manifest("does-not-exist")
            Issue.record("a missing fixture loaded")
        } catch let error as FakePlugins.InvalidFixture {
            #expect(error.description.contains("does-not-exist/plugin.json"))
        }
    }
}
