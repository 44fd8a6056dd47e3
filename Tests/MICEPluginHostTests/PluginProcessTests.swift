// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICEPluginManifest
import MICEWire
import Testing

@testable import MICEPluginHost

extension ProcessSuites {
    @Suite("PluginProcess: spawn and teardown", .timeLimit(.minutes(1)))
    struct PluginProcessTests {
        let logger = FakePlugins.logger

        @Test("ignores-sigterm: SIGKILL to the group ends it within the deadline")
        func ignoresSigterm() async throws {
            let manifest = try FakePlugins.manifest("ignores-sigterm")
            let process = try PluginProcess.spawn(manifest: manifest, logger: logger)
            #expect(await process.stderr.waitForLine(containing: "traps set", timeout: 5) != nil)
            let started = ContinuousClock.now
            let status = await process.terminate(grace: manifest.timeouts.shutdownSeconds)
            #expect(status == .signaled(SIGKILL))
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(await process.stderr.waitForEnd(timeout: 3))
        }

        @Test("leaves-grandchild: after teardown the grandchild is dead too")
        func leavesGrandchild() async throws {
            let manifest = try FakePlugins.manifest("leaves-grandchild")
            let process = try PluginProcess.spawn(manifest: manifest, logger: logger)
            let line = try #require(await process.stderr.waitForLine(containing: "grandchild-pid ", timeout: 5))
            let grandchild = try #require(Int32(line.split(separator: " ").last ?? ""))
            #expect(await process.stderr.waitForLine(containing: "leaves-grandchild ready", timeout: 5) != nil)
            #expect(!FakePlugins.isDead(grandchild))
            let status = await process.terminate(grace: manifest.timeouts.shutdownSeconds)
            #expect(status == .exited(0))
            // The relay only sees end of file once the grandchild, which shares stderr, is gone.
            #expect(await process.stderr.waitForEnd(timeout: 5))
            #expect(await FakePlugins.becomesDead(grandchild))
            #expect(process.signalGroup(SIGTERM) == false)
        }

        @Test("the child sees only fds 0-2, the plugin folder as cwd and the allow-listed environment")
        func sandboxedEnvironment() async throws {
            setenv("MICE_TEST_SECRET", "must-not-leak", 1)
            setenv("MICE_TEST_ALLOWED", "passed", 1)
            var manifest = try FakePlugins.manifest("ok-echo")
            manifest.exec = ["/bin/sh", "-c", "pwd; ls /proc/self/fd; env"]
            manifest.sandbox.environment = ["MICE_TEST_ALLOWED"]
            let process = try PluginProcess.spawn(manifest: manifest, logger: logger)
            let stdout = try #require(process.takeStandardOutput())
            var output: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            for _ in 0..<1000 {
                let count = buffer.withUnsafeMutableBytes { read(stdout, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                output += buffer[0..<count]
            }
            close(stdout)
            #expect(await process.terminate(grace: 1) == .exited(0))
            let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
            #expect(lines.first == manifest.directory)
            let fds = lines.dropFirst().prefix { Int($0) != nil }
            // ls itself opens one directory fd (3) to list /proc/self/fd.
            #expect(Set(fds).subtracting(["0", "1", "2", "3"]).isEmpty)
            let environment = Dictionary(
                lines.compactMap { line -> (String, String)? in
                    guard let equals = line.firstIndex(of: "="), line.first?.isUppercase == true else { return nil }
                    return (String(line[..<equals]), String(line[line.index(after: equals)...]))
                },
                uniquingKeysWith: { first, _ in first }
            )
            #expect(environment["MICE_PLUGIN_COOKIE"] == PluginProtocol.cookieValue)
            #expect(environment["MICE_PLUGIN_PROTOCOL_VERSIONS"] == "1")
            #expect(environment["MICE_PLUGIN_NAME"] == "ok-echo")
            #expect(environment["MICE_PLUGIN_KIND"] == "filter")
            #expect(environment["MICE_PLUGIN_MODE"] == "frames")
            #expect(environment["MICE_PLUGIN_DIR"] == manifest.directory)
            #expect(environment["MICE_PLUGIN_STATE_DIR"] != nil)
            #expect(environment["MICE_TEST_ALLOWED"] == "passed")
            #expect(environment["MICE_TEST_SECRET"] == nil)
            let allowed: Set<String> = [
                "MICE_PLUGIN_COOKIE", "MICE_PLUGIN_PROTOCOL_VERSIONS", "MICE_PLUGIN_NAME", "MICE_PLUGIN_KIND",
                "MICE_PLUGIN_MODE", "MICE_PLUGIN_DIR", "MICE_PLUGIN_STATE_DIR", "MICE_TEST_ALLOWED",
                "PATH", "LANG", "LC_ALL", "TZ", "HOME", "PWD", "SHLVL", "_", "OLDPWD",
            ]
            #expect(Set(environment.keys).subtracting(allowed).isEmpty, "\(environment.keys.sorted())")
        }

        @Test("argv: @bin, relative and absolute executables; prlimit and setpriv wrappers")
        func commandLinePlan() throws {
            var manifest = try FakePlugins.manifest("ok-echo")
            manifest.exec = ["@bin/mice-test-plugin", "--flag"]
            var plan = try PluginProcess.plan(
                manifest: manifest,
                options: PluginSpawnOptions(binDirectory: "/opt/mice/bin"),
                stateDirectory: "/tmp/state",
                isRoot: false,
                hostVariable: { $0 == "PATH" ? "/usr/bin" : nil }
            )
            #expect(plan.argv == ["/opt/mice/bin/mice-test-plugin", "--flag"])
            #expect(plan.environment["PATH"] == "/usr/bin")
            #expect(plan.environment["HOME"] == nil)
            #expect(plan.workingDirectory == manifest.directory)

            manifest.exec = ["bin/module"]
            manifest.sandbox.limits = ResourceLimits(cpuSeconds: 5, memoryBytes: 1 << 28, openFiles: 64)
            manifest.sandbox.user = "0"
            manifest.sandbox.group = "0"
            plan = try PluginProcess.plan(
                manifest: manifest,
                options: PluginSpawnOptions(),
                stateDirectory: "/tmp/state",
                isRoot: true,
                hostVariable: { _ in nil }
            )
            #expect(
                plan.argv == [
                    "/usr/bin/prlimit", "--cpu=5:5", "--as=268435456:268435456", "--nofile=64:64", "--",
                    "/usr/bin/setpriv", "--reuid=0", "--regid=0", "--clear-groups", "--",
                    manifest.directory + "/bin/module",
                ]
            )
            #expect(throws: PluginError.self) {
                var broken = manifest
                broken.exec = ["@bin/x"]
                _ = try PluginProcess.plan(
                    manifest: broken,
                    options: PluginSpawnOptions(),
                    stateDirectory: "/tmp/state",
                    isRoot: false,
                    hostVariable: { _ in nil }
                )
            }
        }

        @Test("resource limits through prlimit reach the module")
        func resourceLimits() async throws {
            var manifest = try FakePlugins.manifest("ok-echo")
            manifest.exec = ["/bin/sh", "-c", "ulimit -n"]
            manifest.sandbox.limits = ResourceLimits(openFiles: 37)
            let process = try PluginProcess.spawn(manifest: manifest, logger: logger)
            let stdout = try #require(process.takeStandardOutput())
            var buffer = [UInt8](repeating: 0, count: 64)
            let count = buffer.withUnsafeMutableBytes { read(stdout, $0.baseAddress, $0.count) }
            close(stdout)
            #expect(String(decoding: buffer[0..<max(count, 0)], as: UTF8.self) == "37\n")
            #expect(await process.terminate(grace: 1) == .exited(0))
        }
    }
}
