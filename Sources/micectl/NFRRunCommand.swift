// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import Logging
import MICEAlerts
import MICENFR
import MICEPacket
import MICERecords
import MICETLS
import MICETransport

/// `micectl nfr run DIR --pcap FILE [--json]`: replays a capture through an NFR home's packages.
struct NFRRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an NFR home's packages over a capture (as zeek -r) or a live interface.",
        discussion: """
            DIR is the NFR home: it holds packages/, and recorder paths such as \
            "bin/list packages/id/new_badhosts.cfg" resolve against it; recorded data goes under its \
            archive paths and alerts to DIR/alerts/alerts.jsonl. echo output goes to standard output; \
            with --json each alert too, as one JSON object per line. Popup alerts, runtime problems \
            and the summary go to standard error.
            """
    )

    @Argument(help: "The NFR home folder.")
    var home: String

    @Option(name: .long, help: "A pcap or pcapng file to replay.")
    var pcap: String?

    @Option(name: .long, help: "A live interface to capture on (instead of --pcap).")
    var interface: String?

    @Option(name: .long, help: "A BPF filter expression (tcpdump syntax) applied before the packages.")
    var filter: String?

    @Flag(name: .long, help: "Print each alert as one JSON object per line on standard output.")
    var json = false

    @Option(name: .long, help: "Stop after this many packets.")
    var count: UInt64?

    @Option(name: .long, help: "SMTP server HOST:PORT for mail rules.")
    var smtp: String?

    @Option(name: .long, help: "Sender address of alert mail.")
    var mailFrom = "mice-nfr@localhost"

    @Option(name: .long, help: "Recipients of the built-in mail rule (comma-separated).")
    var mailTo: String?

    @Option(name: .long, help: "Management host HOST:PORT: every alert also goes there as IDMEF (CipherIdmefMsg).")
    var management: String?

    @Option(name: .long, help: "Link mode to the management host: acked or legacy.")
    var managementMode = "acked"

    @Option(name: .long, help: "Spool folder of the management link (default DIR/spool/management).")
    var spool: String?

    @Option(name: .long, help: "Mutual TLS to the management host: this host's certificate name (micectl pki).")
    var tlsName: String?

    @Option(name: .long, help: "With --tls-name: the PKI folder.")
    var pki = "/etc/M-ICE/pki"

    @Flag(name: .long, help: "Print the summary as JSON on standard error.")
    var summaryJSON = false

    func run() throws {
        guard (pcap == nil) != (interface == nil) else {
            throw ValidationError("give exactly one of --pcap FILE or --interface NAME")
        }
        let stderr = FileHandle.standardError
        let output = BufferedOutput()
        defer { output.flush() }
        let nfrHome = try NFRHome(path: home)
        for note in nfrHome.skipped { stderr.write(Data("note: \(note)\n".utf8)) }
        let link = try managementLink()
        let dispatcher = try NFRAlertDispatcher(
            home: home, console: { stderr.write(Data(($0 + "\n").utf8)) },
            jsonOutput: json ? { output.write($0 + "\n") } : nil, mail: try mailSettings(), management: link)
        let engine = try NFREngine(
            home: nfrHome, dispatcher: dispatcher, echo: { output.write(bytes: $0) },
            diagnostics: { stderr.write(Data(($0 + "\n").utf8)) })
        let source: PcapSource
        if let pcap {
            source = try PcapSource(file: pcap, filter: filter)
        } else {
            source = try PcapSource(interface: interface ?? "", filter: filter)
        }
        let summary = try NFRReplay.run(source: source, engine: engine, limit: count ?? .max)
        output.flush()
        link?.stop(seconds: 10)
        let rate = summary.seconds > 0 ? Double(summary.packets) / summary.seconds : 0
        if summaryJSON {
            var object: [String: Any] = [:]
            object["packets"] = summary.packets
            object["ipv4"] = summary.decoder.ipv4
            object["ipv6"] = summary.decoder.ipv6
            object["non_ip"] = summary.decoder.nonIP
            object["undecodable"] = summary.decoder.undecodableTotal
            object["filter_runs"] = summary.engine.filterRuns
            object["records"] = summary.engine.records
            object["alerts"] = summary.engine.alerts
            object["suppressed_alerts"] = summary.engine.suppressedAlerts
            object["seconds"] = summary.seconds
            object["packets_per_s"] = rate
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            stderr.write(data + Data("\n".utf8))
        } else {
            let decoded = summary.decoder
            var line = "\(summary.packets) packets (\(decoded.ipv4) IPv4, \(decoded.ipv6) IPv6, "
            line += "\(decoded.nonIP) non-IP, \(decoded.undecodableTotal) undecodable), "
            line += "\(summary.engine.filterRuns) filter runs, \(summary.engine.records) records, "
            line += "\(summary.engine.alerts) alerts (\(summary.engine.suppressedAlerts) suppressed by alertContext), "
            line += String(format: "%.0f packets/s\n", rate)
            stderr.write(Data(line.utf8))
        }
    }

    func mailSettings() throws -> NFRAlertDispatcher.MailSettings? {
        guard let smtp else { return nil }
        let (host, port) = try Self.hostPort(smtp, option: "--smtp")
        return NFRAlertDispatcher.MailSettings(
            client: SMTPClient(host: host, port: port, heloName: "mice-nfr", timeoutSeconds: 30), from: mailFrom,
            defaultRecipients: (mailTo ?? "").split(separator: ",").map {
                String($0).trimmingCharacters(in: .whitespaces)
            }
            .filter { !$0.isEmpty })
    }

    func managementLink() throws -> BlockingSpooledLink? {
        guard let management else { return nil }
        let (host, port) = try Self.hostPort(management, option: "--management")
        guard let mode = LinkMode(rawValue: managementMode) else {
            throw ValidationError("--management-mode must be acked or legacy")
        }
        var logger = Logger(label: "mice.nfr.management")
        logger.logLevel = .warning
        var identity: TLSIdentity?
        if let tlsName {
            identity = try TLSIdentity.load(TLSSettings(pkiDirectory: pki, certificateName: tlsName))
        } else {
            FileHandle.standardError.write(
                Data(
                    ("warning: the management link is plaintext (no --tls-name): anyone on the path can read and "
                        + "forge these alerts\n").utf8))
        }
        return try BlockingSpooledLink(
            name: "management", logger: logger,
            configuration: LinkClient.Configuration(
                link: "alerts", mode: mode, recordSize: CipherMsg.idmefSize, endpoint: .tcp(host: host, port: port),
                spool: DiskSpool.Configuration(directory: spool ?? home + "/spool/management"), tls: identity))
    }

    static func hostPort(_ text: String, option: String) throws -> (String, Int) {
        guard case .tcp(let host, let port)? = try? LinkEndpoint.parse(hostPort: text) else {
            throw ValidationError("\(option) must be HOST:PORT, found \(text)")
        }
        return (host, port)
    }
}
