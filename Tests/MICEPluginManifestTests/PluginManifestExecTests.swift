// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICEPluginManifest
import Testing

@Suite("exec checks and resolution")
struct PluginManifestExecTests {
    private func manifestText(exec: [String]) -> String {
        let argv = exec.map { "\"\($0)\"" }.joined(separator: ", ")
        return #"{"name": "p", "kind": "filter", "version": "1", "description": "d", "exec": [\#(argv)]}"#
    }

    @Test("a relative program in the folder: executable is fine, not executable is a warning")
    func relativeProgram() throws {
        try ManifestTestSupport.withTemporaryDirectory { root throws in
            let folder = root + "/filter/p"
            ManifestTestSupport.write("#!/bin/sh\n", to: folder + "/bin/run", executable: true)
            ManifestTestSupport.write("#!/bin/sh\n", to: folder + "/plain.sh", executable: false)

            ManifestTestSupport.write(manifestText(exec: ["bin/run", "--flag"]), to: folder + "/plugin.json")
            let good = PluginManifestLoader().load(file: folder + "/plugin.json")
            #expect(good.errors.isEmpty)
            #expect(good.warnings.isEmpty)
            #expect(try good.get().execTarget == .relative("bin/run"))

            ManifestTestSupport.write(manifestText(exec: ["./bin/run"]), to: folder + "/plugin.json")
            #expect(PluginManifestLoader().load(file: folder + "/plugin.json").warnings.isEmpty)

            ManifestTestSupport.write(manifestText(exec: ["plain.sh"]), to: folder + "/plugin.json")
            let plain = PluginManifestLoader().load(file: folder + "/plugin.json", displayPath: "p/plugin.json")
            #expect(plain.isValid)
            #expect(plain.warnings.map(\.code) == [.notExecutable])
            #expect(plain.warnings.first?.key == "exec[0]")
            #expect(plain.warnings.first?.description.hasPrefix("p/plugin.json: key \"exec[0]\": \"plain.sh\"") == true)

            ManifestTestSupport.write(manifestText(exec: ["bin"]), to: folder + "/plugin.json")
            let directory = PluginManifestLoader().load(file: folder + "/plugin.json")
            #expect(directory.errors.map(\.code) == [.exec])
            #expect(directory.errors.first?.message.contains("is a directory") == true)
        }
    }

    @Test("an absolute program that exists is fine")
    func absoluteProgram() throws {
        let report = ManifestTestSupport.load(ManifestTestSupport.manifest(["exec": ["/bin/sh", "script.sh"]]))
        #expect(report.errors.isEmpty)
        #expect(report.warnings.isEmpty)
        #expect(try report.get().execTarget == .absolute("/bin/sh"))
    }

    @Test("resolveExecutable: @bin/ goes to the bin directory, relative to the plugin folder, absolute stays")
    func resolve() throws {
        let bin = try ManifestTestSupport.load(ManifestTestSupport.manifest(["exec": ["@bin/mice-flt-regex", "-v"]]))
            .get()
        #expect(bin.resolveExecutable(binDirectory: "/opt/mice/bin") == "/opt/mice/bin/mice-flt-regex")
        #expect(bin.resolveExecutable(binDirectory: "/opt/mice/bin/") == "/opt/mice/bin/mice-flt-regex")
        #expect(bin.resolvedArguments(binDirectory: "/opt/mice/bin") == ["/opt/mice/bin/mice-flt-regex", "-v"])
        let cwd = FileManager.default.currentDirectoryPath
        #expect(bin.resolveExecutable(binDirectory: ".build/debug") == cwd + "/.build/debug/mice-flt-regex")

        let absolute = try ManifestTestSupport.load(
            ManifestTestSupport.manifest(["exec": ["/usr/bin/env", "python3"]])
        )
        .get()
        #expect(absolute.resolveExecutable(binDirectory: "/opt/mice/bin") == "/usr/bin/env")
        #expect(absolute.resolvedArguments(binDirectory: "/x") == ["/usr/bin/env", "python3"])

        let relative = try PluginManifestLoader().load(
            file: ManifestTestSupport.fixtures + "/valid/filter/drop-debug/plugin.json"
        ).get()
        #expect(
            relative.resolveExecutable(binDirectory: "/opt/mice/bin")
                == ManifestTestSupport.fixtures + "/valid/filter/drop-debug/drop-debug.sh")
    }

    @Test("ExecTarget classifies by form, and resolve normalizes")
    func execTarget() {
        #expect(ExecTarget("@bin/x") == .bin("x"))
        #expect(ExecTarget("/bin/sh") == .absolute("/bin/sh"))
        #expect(ExecTarget("run.sh") == .relative("run.sh"))
        #expect(
            ExecTarget("./bin/run").resolve(pluginDirectory: "/p/filter/x", binDirectory: "/b") == "/p/filter/x/bin/run"
        )
        #expect(ExecTarget("/usr//bin/./env").resolve(pluginDirectory: "/p", binDirectory: "/b") == "/usr/bin/env")
    }
}
