// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICEPluginManifest
import Testing

@testable import MICEPluginHost

extension ProcessSuites {
    /// A short smoke run of the benchmark; `MICE_BENCH_SECONDS=3 swift test -c release --filter
    /// ProtocolBenchmarkTests` gives real numbers (printed as JSON).
    @Suite("ProtocolBenchmark")
    struct ProtocolBenchmarkTests {
        @Test("measures the Swift and the Python module and reports the JSON keys")
        func smoke() async throws {
            let seconds = ProcessInfo.processInfo.environment["MICE_BENCH_SECONDS"].flatMap(Double.init) ?? 0.2
            let window = ProcessInfo.processInfo.environment["MICE_BENCH_MAX_IN_FLIGHT"].flatMap(Int.init) ?? 4096
            var swift = SwiftPlugin.manifest(kind: .filter, maxInFlight: window)
            swift.timeouts.heartbeatSeconds = 0
            var python = try FakePlugins.manifest("ok-echo")
            python.protocol.maxInFlight = window
            let result = try await ProtocolBenchmark.run(
                swiftModule: swift,
                pythonModule: python,
                options: PluginSpawnOptions(binDirectory: SwiftPlugin.binDirectory),
                configuration: ProtocolBenchmark.Configuration(seconds: seconds),
                logger: FakePlugins.logger
            )
            print("protocol benchmark: \(result.json)")
            #expect((result.pythonSmallCallsPerSecond ?? 0) > 1000)
            #expect((result.swiftSmallCallsPerSecond ?? 0) > 1000)
            #expect((result.megabytesPerSecond ?? 0) > 0)
            #expect(result.hostResidentMegabytes > 0)
            for key in [
                "swift_small_calls_per_s", "swift_logformat_calls_per_s", "python_small_calls_per_s", "mb_per_s",
                "host_rss_mb",
            ] {
                #expect(result.json.contains("\"\(key)\""))
            }
        }
    }
}
