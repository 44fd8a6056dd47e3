// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICEReactionDaemon
import MICERecords
import MICETLS

/// `micectl bench reactions`: requests per second and latency from an EXEC request sent to its
/// answer, which the daemon gives after the module process has put the firewall rule in place
/// (or, in dry-run, reported it). The real run happens inside a namespace pair made for it, so
/// the machine's own firewall is never touched. Each request uses its own connection, as the
/// countermeasure agent does.
public struct ReactionBenchmark: Sendable {
    /// What to measure.
    public struct Configuration: Sendable {
        /// Where mice-reactiondaemon, mice-sandbox and the plugins' executables are.
        public var binDirectory: String
        /// The plugins root.
        public var pluginsRoot: String
        /// Requests per mode.
        public var requests = 200
        /// Clients sending at once.
        public var concurrency = 4
        /// Whether to run the real (nftables) mode.
        public var real = true
        /// Keep the work folder.
        public var keepWorkDirectory = false

        /// Creates a configuration.
        public init(binDirectory: String, pluginsRoot: String) {
            self.binDirectory = binDirectory
            self.pluginsRoot = pluginsRoot
        }
    }

    /// One mode's figures.
    public struct Figures: Sendable, Codable, Hashable {
        /// Requests answered RID_SUCCESS per second of wall-clock time.
        public var requestsPerSecond: Double
        /// Median latency.
        public var p50Milliseconds: Double
        /// 99th percentile latency.
        public var p99Milliseconds: Double
        /// Requests sent.
        public var requests: Int
        /// Requests not answered RID_SUCCESS.
        public var failures: Int
        /// Rules found in the nftables set afterwards (real mode), nil for dry-run.
        public var rulesInPlace: Int?

        /// The JSON object.
        public var json: JSONValue {
            var object: [String: JSONValue] = [
                "requests_per_s": .double((requestsPerSecond * 10).rounded() / 10),
                "p50_ms": .double((p50Milliseconds * 100).rounded() / 100),
                "p99_ms": .double((p99Milliseconds * 100).rounded() / 100),
                "requests": .int(Int64(requests)), "failures": .int(Int64(failures)),
            ]
            if let rulesInPlace { object["rules_in_place"] = .int(Int64(rulesInPlace)) }
            return .object(object)
        }
    }

    /// The configuration.
    public let configuration: Configuration

    /// Creates a benchmark.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs dry-run, then (when configured and possible) real mode.
    /// - Returns: figures by mode name (`dry_run`, `real`) and a `real_skipped` reason if any.
    /// - Throws: ``BenchmarkError``.
    public func run() throws -> JSONValue {
        let work = NSTemporaryDirectory() + "mice-bench-reactions-\(getpid())"
        try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { if !configuration.keepWorkDirectory { try? FileManager.default.removeItem(atPath: work) } }
        var result: [String: JSONValue] = [:]
        result["dry_run"] = try measure(work: work + "/dry", namespaces: nil).json
        // The shipped setting: mutual TLS (a handshake per request, as the agent makes one
        // connection per request), on 127.0.0.1.
        result["dry_run_tls"] = try measure(work: work + "/dry-tls", namespaces: nil, tls: true).json
        if configuration.real {
            if let reason = NetworkNamespacePair.unavailableReason {
                result["real_skipped"] = .string(reason)
            } else {
                let pair = try NetworkNamespacePair(tag: "bench\(getpid() % 10000)")
                defer { pair.destroy() }
                result["real"] = try measure(work: work + "/real", namespaces: pair).json
            }
        }
        return .object(result)
    }

    private func measure(work: String, namespaces: NetworkNamespacePair?, tls: Bool = false) throws -> Figures {
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        var security = "AUTH = plaintext\nALLOW_UNAUTHENTICATED = yes"
        var tlsSection = ""
        var clientIdentity: TLSIdentity?
        if tls {
            let pki = PKI(directory: work + "/pki")
            do {
                try pki.initialize(commonName: "bench CA")
                try pki.issue(name: "reactiond", ipAddresses: ["127.0.0.1"])
                try pki.issue(name: "agent")
                clientIdentity = try TLSIdentity.load(
                    TLSSettings(pkiDirectory: pki.directory, certificateName: "agent"))
            } catch {
                throw BenchmarkError("PKI for the TLS run: \(error)")
            }
            security = "AUTH = tls"
            tlsSection = "[TLS]\nPKIDIR = \(pki.directory)\nTLSNAME = reactiond\n"
        }
        let moduleConfig = work + "/block.json"
        try Data("{\"dryRun\": \(namespaces == nil)}".utf8).write(to: URL(fileURLWithPath: moduleConfig))
        let address = namespaces?.hostAddress ?? "127.0.0.1"
        let config = """
            [FUNCTION_ID]
            FID = 0x000001
            [REACTION_MODULES]
            RCT_MOD = mice-rct-block
            [REACTION_MODULES_CONFIG_FILE]
            RCT_FILE = \(moduleConfig)
            [NETWORK]
            IP = \(address)
            PORT = 0
            [SECURITY]
            \(security)
            REPLAY_WINDOW = 600
            [MISC]
            STATEDIR = \(work)/state
            MAX_CLIENTS = 256
            MAX_CALLS = 16
            [REACTION_SANDBOX]
            RCT_USER = \(namespaces == nil ? "nobody" : "0")
            RCT_GROUP = \(namespaces == nil ? "nogroup" : "0")
            \(tlsSection)
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: work + "/reactiondaemon.conf"))
        let daemonPath = configuration.binDirectory + "/mice-reactiondaemon"
        var arguments = [
            "-f", work + "/reactiondaemon.conf", "--plugins", configuration.pluginsRoot, "--bin-dir",
            configuration.binDirectory, "--ready-file", work + "/ready", "--log-level", "warning",
        ]
        var executable = daemonPath
        if let namespaces {
            arguments = ["netns", "exec", namespaces.host, daemonPath] + arguments
            executable = "/usr/sbin/ip"
        }
        let daemon = try DaemonProcess(
            executable: executable, arguments: arguments, readyFile: work + "/ready", logFile: work + "/daemon.log",
            timeout: 30)
        defer { daemon.stop(timeout: 10) }
        guard let port = daemon.ready.objectValue?["port"]?.intValue else {
            throw BenchmarkError("the ready file has no port")
        }
        let total = configuration.requests
        let clients = max(1, min(configuration.concurrency, total))
        let latencies = LatencyCollector()
        let identity = clientIdentity
        let start = Date()
        let base = UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970))
        DispatchQueue.concurrentPerform(iterations: clients) { client in
            var index = client
            while index < total {
                let target = "198.51.\(100 + index / 250).\(1 + index % 250)"
                let began = Date()
                var ok = false
                let request = ReactionClientConnection.exec(
                    functionID: 1, arguments: "\(target) 600", alertID: "bench-\(index)", timestamp: base)
                if let identity {
                    let envelope = CipherMsg.plaintext(request.encode(architecture: .x86_64)).encode()
                    if let answer = try? TLSExchange.exchange(
                        envelope, answerSize: envelope.count, host: address, port: Int(port), identity: identity,
                        timeout: .seconds(30)),
                        let reply = try? CipherMsg(
                            decoding: answer, innerSize: ReactionArchitecture.x86_64.messageSize),
                        let message = try? ReactionMessage(decoding: reply.payload, architecture: .x86_64)
                    {
                        ok = ReactionClientConnection.returnValue(message) == ReactionMessage.RID_SUCCESS
                    }
                } else if let connection = try? ReactionClientConnection(
                    host: address, port: Int(port), networkNamespace: namespaces?.peer)
                {
                    let answer = try? connection.request(request)
                    ok = ReactionClientConnection.returnValue(answer ?? nil) == ReactionMessage.RID_SUCCESS
                }
                latencies.add(Date().timeIntervalSince(began) * 1000, ok: ok)
                index += clients
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        let (values, failures) = latencies.snapshot()
        let sorted = values.sorted()
        func percentile(_ p: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
        var rules: Int?
        if let namespaces {
            let (_, listing) = namespaces.run(
                in: namespaces.host, "/usr/sbin/nft", ["list", "set", "inet", "mice", "blocked4"])
            rules = listing.components(separatedBy: "198.51.").count - 1
        }
        return Figures(
            requestsPerSecond: Double(total - failures) / max(elapsed, 0.001), p50Milliseconds: percentile(0.5),
            p99Milliseconds: percentile(0.99), requests: total, failures: failures, rulesInPlace: rules)
    }
}

/// Latencies gathered from concurrent clients.
private final class LatencyCollector: @unchecked Sendable {
    // A lock-protected array: concurrentPerform's iterations run on several threads.
    private let lock = NSLock()
    private var values: [Double] = []
    private var failures = 0

    func add(_ milliseconds: Double, ok: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if ok { values.append(milliseconds) } else { failures += 1 }
    }

    func snapshot() -> ([Double], Int) {
        lock.lock()
        defer { lock.unlock() }
        return (values, failures)
    }
}
