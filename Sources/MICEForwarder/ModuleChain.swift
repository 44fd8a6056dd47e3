// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECrypto
import MICELogFormat
import MICEPluginHost
import MICEPluginManifest
import MICERecords
import MICETail
import MICEWire

/// The per-line work of the DataForwarder: format module → filter → pseudonymizer → envelope.
///
/// - The format module makes the LogFormat record of each line (return value 0; anything else
///   drops the line, as the original did). A lines-mode format module returns the text to store,
///   and the record is built here with this host's identity.
/// - The filter (when FILTER = yes) drops a record with return value 1; an error keeps it.
/// - The pseudonymizer (when PSEUDO = yes) may rewrite the record; when its call fails the record
///   is dropped and counted, never sent unpseudonymized.
/// - The checksum is recomputed, and the record is put into a CipherMsg: sealed with the legacy
///   Twofish key when ENCRYPT = yes, else in plaintext (`IVLen` 0), which mice-dec-logformat
///   accepts when it has no key.
public struct ModuleChain: Sendable {
    /// What one batch came to.
    public struct Outcome: Sendable {
        /// Per input line, in order: the encoded CipherMsg, or nil when the line was dropped.
        public var envelopes: [[UInt8]?]
        /// Counters of the batch (``ForwarderStatistics/formatDropped`` and the like).
        public var formatDropped: UInt64 = 0
        public var formatFailures: UInt64 = 0
        public var filtered: UInt64 = 0
        public var filterFailures: UInt64 = 0
        public var pseudonymizerFailures: UInt64 = 0
    }

    /// The format module (required).
    public let format: PluginSupervisor
    /// The filter module, when FILTER = yes.
    public let filter: PluginSupervisor?
    /// The pseudonymizer, when PSEUDO = yes.
    public let pseudonymizer: PluginSupervisor?
    /// The LogFormat layout of the records.
    public let layout: LogFormatLayout
    /// The legacy Twofish key, when ENCRYPT = yes.
    public let cipher: LegacyTwofish?
    private let formatIsLines: Bool
    private let identity: HostIdentity

    public init(
        format: PluginSupervisor, filter: PluginSupervisor?, pseudonymizer: PluginSupervisor?,
        layout: LogFormatLayout, cipher: LegacyTwofish?
    ) {
        self.format = format
        self.filter = filter
        self.pseudonymizer = pseudonymizer
        self.layout = layout
        self.cipher = cipher
        formatIsLines = format.manifest.protocol.mode == .lines
        let system = SystemIdentity.current()
        identity = HostIdentity(
            host: system.host, domain: "", ipAddress: SystemIdentity.resolveIPv4(system.host) ?? "ERROR",
            system: system)
    }

    /// Runs `lines` through the modules.
    /// - Throws: ``ForwarderError`` (``ForwarderError/Code/pipeline``) when a module cannot be
    ///   reached at all (it failed for good); nothing of the batch was sent then.
    public func process(_ lines: [TailLine]) async throws(ForwarderError) -> Outcome {
        var outcome = Outcome(envelopes: Array(repeating: nil, count: lines.count))
        guard !lines.isEmpty else { return outcome }
        let formatted = try await call(
            format, lines.map { ModuleCall(fileType: $0.fileType, data: $0.content) })
        var records: [[UInt8]?] = Array(repeating: nil, count: lines.count)
        var builder = LogRecordBuilder(layout: layout, identity: identity)
        for (index, result) in formatted.enumerated() {
            switch result {
            case .failure:
                outcome.formatFailures += 1
            case .success(let reply) where reply.returnValue != 0:
                outcome.formatDropped += 1
            case .success(let reply):
                if formatIsLines {
                    var bytes: [UInt8] = []
                    builder.append(line: reply.data, fileType: lines[index].fileType, to: &bytes)
                    records[index] = bytes
                } else if reply.data.count == layout.size {
                    records[index] = reply.data
                } else {
                    outcome.formatFailures += 1
                }
            }
        }
        if let filter {
            let indices = records.indices.filter { records[$0] != nil }
            let results = try await call(
                filter, indices.map { ModuleCall(fileType: lines[$0].fileType, data: records[$0]!) })
            for (index, result) in zip(indices, results) {
                switch result {
                case .failure: outcome.filterFailures += 1
                case .success(let reply) where reply.returnValue == 1:
                    records[index] = nil
                    outcome.filtered += 1
                case .success: break
                }
            }
        }
        if let pseudonymizer {
            let indices = records.indices.filter { records[$0] != nil }
            let results = try await call(
                pseudonymizer, indices.map { ModuleCall(fileType: lines[$0].fileType, data: records[$0]!) })
            for (index, result) in zip(indices, results) {
                switch result {
                case .failure:
                    records[index] = nil
                    outcome.pseudonymizerFailures += 1
                case .success(let reply):
                    if reply.data.count == layout.size {
                        records[index] = reply.data
                    } else if !reply.data.isEmpty {
                        records[index] = nil
                        outcome.pseudonymizerFailures += 1
                    }
                }
            }
        }
        for index in records.indices {
            guard var record = records[index] else { continue }
            do {
                let layout = self.layout
                _ = try record.withUnsafeMutableBytes { bytes -> UInt16 in
                    try LogFormat.updateChecksum(in: bytes, layout: layout)
                }
                if let cipher {
                    outcome.envelopes[index] = try cipher.seal(record).encode()
                } else {
                    outcome.envelopes[index] = CipherMsg.plaintext(record).encode()
                }
            } catch {
                outcome.formatFailures += 1
            }
        }
        return outcome
    }

    private func call(
        _ supervisor: PluginSupervisor, _ calls: [ModuleCall]
    ) async throws(ForwarderError) -> [Result<ModuleReply, PluginError>] {
        guard !calls.isEmpty else { return [] }
        do {
            return try await supervisor.callResults(batch: calls)
        } catch {
            throw ForwarderError(.pipeline, subject: supervisor.manifest.name, "\(error)")
        }
    }
}
