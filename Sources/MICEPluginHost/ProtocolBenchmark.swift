// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import MICEPluginManifest

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Measures the module protocol end to end: host, pipes and a real module process.
///
/// Each measurement launches the module, warms it up, then keeps `submitters` batches of
/// `batchSize` calls in flight for `seconds` through ``PluginConnection/callReturnValues(fileType:repeating:count:)``
/// (the fast path), and shuts the module down. `micectl bench protocol` prints ``Result`` as JSON.
public enum ProtocolBenchmark {
    /// What `micectl bench protocol` reports (snake_case keys).
    public struct Result: Codable, Hashable, Sendable {
        /// Calls per second with a 16-byte record through the Swift module.
        public var swiftSmallCallsPerSecond: Double?
        /// Calls per second with a 1688-byte LogFormat record through the Swift module.
        public var swiftLogformatCallsPerSecond: Double?
        /// Calls per second with a 16-byte record through the Python module.
        public var pythonSmallCallsPerSecond: Double?
        /// Megabytes (10^6) per second written to the Swift module in the LogFormat measurement.
        public var megabytesPerSecond: Double?
        /// The host's resident set size at the end (VmRSS), in MiB.
        public var hostResidentMegabytes: Double
        /// Calls per second with 1688-byte records through the shipped PCRE2 filter (a module
        /// that does real work per record), when measured.
        public var swiftRegexFilterCallsPerSecond: Double?

        enum CodingKeys: String, CodingKey {
            case swiftRegexFilterCallsPerSecond = "swift_flt_regex_calls_per_s"
            case swiftSmallCallsPerSecond = "swift_small_calls_per_s"
            case swiftLogformatCallsPerSecond = "swift_logformat_calls_per_s"
            case pythonSmallCallsPerSecond = "python_small_calls_per_s"
            case megabytesPerSecond = "mb_per_s"
            case hostResidentMegabytes = "host_rss_mb"
        }

        /// Creates a result.
        public init(
            swiftSmallCallsPerSecond: Double? = nil,
            swiftLogformatCallsPerSecond: Double? = nil,
            pythonSmallCallsPerSecond: Double? = nil,
            megabytesPerSecond: Double? = nil,
            hostResidentMegabytes: Double
        ) {
            self.swiftSmallCallsPerSecond = swiftSmallCallsPerSecond
            self.swiftLogformatCallsPerSecond = swiftLogformatCallsPerSecond
            self.pythonSmallCallsPerSecond = pythonSmallCallsPerSecond
            self.megabytesPerSecond = megabytesPerSecond
            self.hostResidentMegabytes = hostResidentMegabytes
        }

        /// The result as one line of JSON with sorted keys.
        public var json: String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
    }

    /// One measurement.
    public struct Measurement: Hashable, Sendable {
        /// Calls answered per second.
        public var callsPerSecond: Double
        /// CALL bytes (headers included) written per second.
        public var bytesPerSecond: Double
        /// Calls made.
        public var calls: Int
        /// Seconds measured.
        public var seconds: Double
    }

    /// Sizes and durations of a run.
    public struct Configuration: Hashable, Sendable {
        /// Seconds per measurement.
        public var seconds: Double
        /// Calls per batch.
        public var batchSize: Int
        /// Batches in flight at once.
        public var submitters: Int
        /// Bytes of the small record.
        public var smallRecordBytes: Int
        /// Bytes of the LogFormat record (seed layout).
        public var logFormatRecordBytes: Int

        /// Creates a configuration.
        public init(
            seconds: Double = 3,
            batchSize: Int = 4096,
            submitters: Int = 2,
            smallRecordBytes: Int = 16,
            logFormatRecordBytes: Int = 1688
        ) {
            self.seconds = seconds
            self.batchSize = batchSize
            self.submitters = submitters
            self.smallRecordBytes = smallRecordBytes
            self.logFormatRecordBytes = logFormatRecordBytes
        }
    }

    /// Runs the whole benchmark.
    /// - Parameters:
    ///   - swiftModule: manifest of a Swift module that answers every call quickly (e.g.
    ///     `mice-test-plugin`, kind filter, mode `keep`); nil skips the Swift measurements.
    ///   - pythonModule: manifest of a Python module (e.g. the `ok-echo` fake); nil skips it.
    ///   - options: spawn options (bin directory for `@bin/` executables).
    /// - Throws: ``PluginError`` when a module fails.
    public static func run(
        swiftModule: PluginManifest?,
        pythonModule: PluginManifest?,
        options: PluginSpawnOptions = PluginSpawnOptions(),
        configuration: Configuration = Configuration(),
        logger: Logger
    ) async throws -> Result {
        var result = Result(hostResidentMegabytes: 0)
        if let swiftModule {
            let small = try await measure(
                manifest: swiftModule,
                recordBytes: configuration.smallRecordBytes,
                options: options,
                configuration: configuration,
                logger: logger
            )
            result.swiftSmallCallsPerSecond = small.callsPerSecond.rounded()
            let records = try await measure(
                manifest: swiftModule,
                recordBytes: configuration.logFormatRecordBytes,
                options: options,
                configuration: configuration,
                logger: logger
            )
            result.swiftLogformatCallsPerSecond = records.callsPerSecond.rounded()
            result.megabytesPerSecond = (records.bytesPerSecond / 1e5).rounded() / 10
        }
        if let pythonModule {
            let small = try await measure(
                manifest: pythonModule,
                recordBytes: configuration.smallRecordBytes,
                options: options,
                configuration: configuration,
                logger: logger
            )
            result.pythonSmallCallsPerSecond = small.callsPerSecond.rounded()
        }
        result.hostResidentMegabytes = (residentMegabytes() * 10).rounded() / 10
        return result
    }

    /// Measures one module with records of `recordBytes` bytes.
    public static func measure(
        manifest: PluginManifest,
        recordBytes: Int,
        options: PluginSpawnOptions = PluginSpawnOptions(),
        configuration: Configuration = Configuration(),
        logger: Logger
    ) async throws -> Measurement {
        let connection = try await PluginConnection.launch(manifest: manifest, options: options, logger: logger)
        do {
            let record = [UInt8](repeating: 0x61, count: recordBytes)
            let batchSize = max(configuration.batchSize, 1)
            _ = try await connection.callReturnValues(fileType: 1, repeating: record, count: batchSize)
            let started = Monotonic.now()
            let deadline = started + configuration.seconds
            let calls = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<max(configuration.submitters, 1) {
                    group.addTask {
                        var calls = 0
                        while Monotonic.now() < deadline {
                            calls += try await connection.callReturnValues(
                                fileType: 1,
                                repeating: record,
                                count: batchSize
                            ).count
                        }
                        return calls
                    }
                }
                return try await group.reduce(0, +)
            }
            let seconds = Monotonic.now() - started
            await connection.shutdown(reason: "benchmark done")
            let frameBytes = Double(16 + 4 + recordBytes)
            return Measurement(
                callsPerSecond: Double(calls) / seconds,
                bytesPerSecond: Double(calls) * frameBytes / seconds,
                calls: calls,
                seconds: seconds
            )
        } catch {
            await connection.shutdown(reason: "benchmark failed")
            throw error
        }
    }

    /// The host's VmRSS from /proc/self/status, in MiB (0 where unavailable).
    public static func residentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kilobytes = Double(fields[1]) { return kilobytes / 1024 }
        }
        return 0
    }
}
