// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICENFR
import MICEPacket

extension BenchCommand {
    /// `micectl bench nfr`: the NFR engine over a generated capture, against tcpdump on the same file.
    struct NFRBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "nfr",
            abstract: "Packets per second of the seed's new_badhosts backend over a generated capture, vs tcpdump.",
            discussion: """
                Writes a capture of --packets packets (ordinary TCP/UDP/ICMP traffic with one attacker \
                packet to a broadcast address in every 1,000), runs the shipped NFR home \
                (plugins/nfr: packages/id/new_badhosts with its recorder and alerts) over it in this \
                process, then `tcpdump -r FILE -w /dev/null` on the same file, and prints \
                packets_per_s, tcpdump_packets_per_s, ratio (ours / tcpdump's) and rss_mb (peak of this \
                process). Build with `swift build -c release` and run .build/release/micectl.
                """
        )

        @Flag(name: .long, help: "Print one JSON object.")
        var json = false

        @Option(name: .long, help: "Packets in the generated capture.")
        var packets = 1_000_000

        @Option(name: .long, help: "One attacker packet (to a broadcast address) in every N packets.")
        var attackEvery = 1000

        @Option(name: .long, help: "The NFR home to copy (default: the shipped plugins/nfr).")
        var home: String?

        @Option(name: .long, help: "tcpdump's path.")
        var tcpdump = "/usr/bin/tcpdump"

        func run() throws {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
                "mice-bench-nfr-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            let capture = scratch.appendingPathComponent("bench.pcap").path
            guard attackEvery > 0 else { throw ValidationError("--attack-every must be positive") }
            try SeedCapture.writeBenchmark(to: capture, count: packets, attackEvery: attackEvery)
            let captureBytes = (try? FileManager.default.attributesOfItem(atPath: capture)[.size] as? Int) ?? 0
            let homePath = scratch.appendingPathComponent("home").path
            try FileManager.default.copyItem(atPath: try shippedHome(), toPath: homePath)

            var echoBytes = 0
            var diagnostics = 0
            let dispatcher = try NFRAlertDispatcher(
                home: homePath, console: { _ in }, jsonOutput: nil, mail: nil, management: nil)
            let engine = try NFREngine(
                home: try NFRHome(path: homePath), dispatcher: dispatcher, echo: { echoBytes += $0.count },
                diagnostics: { _ in diagnostics += 1 })
            let summary = try NFRReplay.run(source: try PcapSource(file: capture), engine: engine)
            let rate = Double(summary.packets) / max(summary.seconds, 1e-9)
            let rss = AnalysisBench.maxRSSMegabytes()
            let reference = try runTcpdump(capture)
            let referenceRate = reference.map { Double(packets) / max($0, 1e-9) }
            var result: [(String, String)] = [
                ("packets", String(summary.packets)),
                ("capture_mb", String(format: "%.1f", Double(captureBytes) / 1e6)),
                ("seconds", String(format: "%.3f", summary.seconds)), ("packets_per_s", String(Int(rate))),
                ("mbit_per_s", String(format: "%.0f", Double(captureBytes) * 8 / 1e6 / max(summary.seconds, 1e-9))),
                ("records", String(summary.engine.records)), ("alerts", String(summary.engine.alerts)),
                ("suppressed_alerts", String(summary.engine.suppressedAlerts)), ("echo_bytes", String(echoBytes)),
                ("undecodable", String(summary.decoder.undecodableTotal)), ("diagnostics", String(diagnostics)),
            ]
            if let reference, let referenceRate {
                result += [
                    ("tcpdump_seconds", String(format: "%.3f", reference)),
                    ("tcpdump_packets_per_s", String(Int(referenceRate))),
                    ("ratio", String(format: "%.2f", rate / referenceRate)),
                ]
            } else {
                result += [("tcpdump_packets_per_s", "null"), ("ratio", "null")]
            }
            result.append(("rss_mb", String(format: "%.1f", rss)))
            if json {
                print("{" + result.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
            } else {
                for (key, value) in result {
                    print("\(key.padding(toLength: 24, withPad: " ", startingAt: 0)) \(value)")
                }
            }
        }

        /// The shipped NFR home: next to the binary's checkout, or the working directory's plugins/nfr.
        func shippedHome() throws -> String {
            if let home { return home }
            var candidates: [String] = []
            var folder = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent()
            while folder.path != "/" {
                candidates.append(folder.appendingPathComponent("plugins/nfr").path)
                folder.deleteLastPathComponent()
            }
            candidates.append(FileManager.default.currentDirectoryPath + "/plugins/nfr")
            if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/packages") }) {
                return found
            }
            throw ValidationError("no shipped NFR home (plugins/nfr) found; use --home")
        }

        /// tcpdump's wall-clock seconds reading the capture; nil when tcpdump is not installed.
        func runTcpdump(_ capture: String) throws -> Double? {
            guard FileManager.default.isExecutableFile(atPath: tcpdump) else { return nil }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tcpdump)
            process.arguments = ["-r", capture, "-w", "/dev/null"]
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            let start = DispatchTime.now().uptimeNanoseconds
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw ValidationError("\(tcpdump) exited with status \(process.terminationStatus)")
            }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
    }
}
