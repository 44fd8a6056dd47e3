// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICEAnalysis
import MICECrypto
import MICEIDMEF
import MICEPluginKit
import MICERecords
import MICETransport

#if canImport(Glibc)
import Glibc
#endif

/// The analysis agent's postprocessor (the original `mice_mod_pop_aa_regex`, spec §7.3.6).
///
/// Each call carries one decoded LogFormat record. The analysis engine runs on its log data; every
/// alert becomes an IDMEF document (``IDMEFXMLWriter``) in an IdmefMsgFormat inside a
/// CipherIdmefMsg (Twofish when a key is set, plaintext otherwise) for the management host, and
/// lines whose SendTo is A or B also go to the agent host (the LogFormat record as CipherMsg, or
/// the original's raw line in a CipherIdmefMsg). Both links are ``LinkClient``s: the records of a
/// batch are written to their on-disk spools before any REPLY of the batch, so a REPLY ≥ 0 means
/// "durable": the analysis BufferDaemon acknowledges the record to its sender only then.
///
/// Return values: 1 a rule matched, 0 none did, -1 wrong record size, -2 the spool write failed
/// (the BufferDaemon retries the record).
@main
struct PostprocessAARegex: BatchPluginModule {
    static let pluginName = "mice-pop-aa-regex"
    static let wrongSize: Int32 = -1
    static let notSpooled: Int32 = -2

    let settings: AARegexSettings
    let layout: LogFormatLayout
    let engine: AnalysisEngine
    let analyzer: IDMEFAnalyzer
    let management: BlockingSpooledLink
    let agent: BlockingSpooledLink?
    let utcOffset = Int32(TimeZone.current.secondsFromGMT())
    var nextAlertID: Int64
    var savedAlertID: Int64
    var stagedAlerts: [[UInt8]] = []
    var stagedAgentRecords: [[UInt8]] = []
    var rejected = 0
    var alertsSent = 0
    var agentRecordsSent = 0
    var oversized = 0

    init(context: PluginContext) throws {
        settings = try AARegexSettings(context: context)
        layout = try context.logFormatLayout()
        do {
            engine = try AnalysisEngine(ruleset: settings.ruleset, useHyperscan: settings.useHyperscan)
        } catch {
            throw PluginConfigError(key: "rules", "\(error)")
        }
        for warning in settings.ruleset.warnings { PluginLog.warning("\(warning)") }
        if let (message, acknowledged) = settings.insecureWarning {
            if acknowledged { PluginLog.warning(message) } else { PluginLog.error(message) }
        }
        analyzer = Self.makeAnalyzer(id: settings.analyzerID)
        nextAlertID = settings.firstAlertID
        if let file = settings.alertIDFile, let text = try? String(contentsOfFile: file, encoding: .utf8) {
            if let stored = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)), stored > 0 {
                nextAlertID = stored
            } else {
                PluginLog.warning("\(file): not an alert number; starting at \(settings.firstAlertID)")
            }
        }
        savedAlertID = nextAlertID
        management = try BlockingSpooledLink(
            name: "management", logger: Self.linkLogger("management"),
            configuration: Self.linkConfiguration(
                settings, endpoint: settings.management, recordSize: CipherMsg.idmefSize, spool: "management"))
        if let endpoint = settings.agent {
            let size =
                settings.agentFormat == .idmef ? CipherMsg.idmefSize : CipherMsg.size(innerSize: layout.size)
            agent = try BlockingSpooledLink(
                name: "agent", logger: Self.linkLogger("agent"),
                configuration: Self.linkConfiguration(settings, endpoint: endpoint, recordSize: size, spool: "agent"))
        } else {
            agent = nil
        }
        PluginLog.info(
            "\(settings.ruleset.rules.count) rules (\(settings.ruleset.format.rawValue)); alerts to "
                + "\(settings.management) (\(settings.mode.rawValue), "
                + "\(settings.managementCipher == nil ? "plaintext" : "Twofish")"
                + "\(settings.tlsName.map { ", mutual TLS as \($0)" } ?? ""))"
                + (settings.agent.map { "; raw records to \($0)" } ?? ""))
    }

    var initValue: Int64 { Int64(layout.size) }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        guard input.data.count == layout.size, let line = try? LogFormat.logData(in: input.data, layout: layout)
        else {
            rejected += 1
            if rejected <= 10 || rejected % 1000 == 0 {
                PluginLog.error(
                    "call \(input.id): record of \(input.data.count) bytes, the \(layout.rawValue) layout has "
                        + "\(layout.size); not analysed (\(rejected) rejected so far)")
            }
            return Self.wrongSize
        }
        let events = engine.analyze(line)
        var toAgent = events.isEmpty && settings.ruleset.defaultSendTo == .agent
        var record: LogFormat?
        for event in events where event.kind == .alert || settings.sendEvents {
            let sendTo = event.sendTo ?? .management
            if sendTo == .agent || sendTo == .both { toAgent = true }
            guard sendTo == .management || sendTo == .both else { continue }
            if record == nil { record = try? LogFormat(decoding: input.data, layout: layout) }
            if let envelope = try alertEnvelope(event, record: record) { stagedAlerts.append(envelope) }
        }
        if toAgent, agent != nil { stagedAgentRecords.append(try agentEnvelope(input.data, line: line)) }
        return events.contains { $0.ruleID != "0x0000" } ? 1 : 0
    }

    mutating func endBatch(_ batch: inout CallBatch) {
        defer {
            stagedAlerts.removeAll(keepingCapacity: true)
            stagedAgentRecords.removeAll(keepingCapacity: true)
        }
        do {
            guard try management.store(stagedAlerts) == stagedAlerts.count else {
                throw PluginCallError("management spool dropped records")
            }
            alertsSent += stagedAlerts.count
            if let agent {
                guard try agent.store(stagedAgentRecords) == stagedAgentRecords.count else {
                    throw PluginCallError("agent spool dropped records")
                }
                agentRecordsSent += stagedAgentRecords.count
            }
        } catch {
            PluginLog.error("spool write failed (\(error)); the BufferDaemon retries \(batch.count) records")
            _ = batch.replaceReturnValues(where: { $0 >= 0 }, with: Self.notSpooled)
            return
        }
        saveAlertID()
    }

    mutating func shutdown() {
        management.stop(seconds: 5)
        agent?.stop(seconds: 5)
        saveAlertID()
        PluginLog.info(
            "\(engine.lines) lines, \(alertsSent) alerts spooled, \(agentRecordsSent) agent records, "
                + "\(oversized) alerts too large, \(rejected) records rejected")
    }

    /// One alert as an encoded CipherIdmefMsg; nil when the document exceeds MAX_IDMEFMSGSIZE.
    mutating func alertEnvelope(_ event: AnalysisEvent, record: LogFormat?) throws -> [UInt8]? {
        let messageID = nextAlertID
        nextAlertID += 1
        var alert = event.idmefAlert(
            analyzer: analyzer, messageID: String(messageID),
            createTime: IDMEFTime(unixTime: Date().timeIntervalSince1970, utcOffset: utcOffset),
            utcOffset: utcOffset)
        if let host = record.flatMap(Self.monitoredHost) {
            // The monitored host is the target; the original also named it as source, which is
            // where the countermeasure agent sends its request, so original rules keep that.
            if alert.targets.first?.node == nil { alert.targets[0].node = host }
            if settings.ruleset.format == .original, alert.sources.first?.node == nil { alert.sources[0].node = host }
        }
        let xml = Array(IDMEFXMLWriter.document(IDMEFMessage(alerts: [alert])).utf8)
        guard xml.count <= IdmefMsgFormat.MAX_IDMEFMSGSIZE else {
            oversized += 1
            PluginLog.error(
                "alert \(messageID) (\(event.ruleID)): IDMEF document of \(xml.count) bytes exceeds "
                    + "\(IdmefMsgFormat.MAX_IDMEFMSGSIZE); not sent (\(oversized) so far)")
            return nil
        }
        let message = IdmefMsgFormat(message: xml)
        if let cipher = settings.managementCipher { return try cipher.seal(message).encode() }
        return CipherMsg.plaintext(message.encode(computeChecksum: true)).encode()
    }

    /// The agent's record for one line: the LogFormat as CipherMsg, or (original) the raw line in
    /// a CipherIdmefMsg.
    func agentEnvelope(_ data: UnsafeRawBufferPointer, line: UnsafeRawBufferPointer) throws -> [UInt8] {
        let inner: [UInt8]
        switch settings.agentFormat {
        case .logformat: inner = Array(data)
        case .idmef:
            inner = IdmefMsgFormat(message: Array(line.prefix(IdmefMsgFormat.MAX_IDMEFMSGSIZE))).encode(
                computeChecksum: true)
        }
        if let cipher = settings.agentCipher { return try cipher.seal(inner).encode() }
        return CipherMsg.plaintext(inner).encode()
    }

    mutating func saveAlertID() {
        guard let file = settings.alertIDFile, nextAlertID != savedAlertID else { return }
        do {
            try Data("\(nextAlertID)\n".utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
            savedAlertID = nextAlertID
        } catch {
            PluginLog.warning("\(file): cannot save the alert number: \(error)")
        }
    }

    static func linkLogger(_ name: String) -> Logger {
        var logger = Logger(label: "mice.pop.aa-regex.\(name)")
        logger.logLevel = .warning
        return logger
    }

    static func linkConfiguration(
        _ settings: AARegexSettings, endpoint: LinkEndpoint, recordSize: Int, spool: String
    ) -> LinkClient.Configuration {
        LinkClient.Configuration(
            link: settings.link, mode: settings.mode, recordSize: recordSize, endpoint: endpoint,
            spool: DiskSpool.Configuration(
                directory: settings.spoolDirectory + "/" + spool, maxBytes: settings.spoolBytes,
                segmentBytes: min(8 << 20, settings.spoolBytes), sync: .perBatch, whenFull: .block),
            tls: settings.tls)
    }

    /// The host that logged the line, from the record's cHost, cDomain and cIP.
    static func monitoredHost(_ record: LogFormat) -> IDMEFNode? {
        func text(_ bytes: [UInt8]) -> String {
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
        let host = text(record.host)
        let domain = text(record.domain)
        let ip = text(record.ipAddress)
        let name = host.isEmpty ? nil : (domain.isEmpty || domain == "(none)" ? host : host + "." + domain)
        let addresses = ip.isEmpty || ip == "ERROR" ? [] : [IDMEFAddress.guessing(ip)]
        if name == nil && addresses.isEmpty { return nil }
        return IDMEFNode(category: name == nil ? "unknown" : "dns", name: name, addresses: addresses)
    }

    /// This analysis host as the IDMEF analyzer.
    static func makeAnalyzer(id: String) -> IDMEFAnalyzer {
        var names = utsname()
        _ = uname(&names)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let hostName = ProcessInfo.processInfo.hostName
        return IDMEFAnalyzer(
            analyzerID: id, name: "mice-pop-aa-regex", manufacturer: "M-ICE",
            model: "M-ICE - Modular Intrusion Detection and Countermeasure Environment", version: "1.0",
            analyzerClass: "HIDS", osType: field(names.sysname), osVersion: field(names.release),
            node: IDMEFNode(category: "dns", name: hostName),
            process: IDMEFProcess(name: "mice-pop-aa-regex", pid: String(getpid())))
    }
}
