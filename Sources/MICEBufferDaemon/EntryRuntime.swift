// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import MICEBuffer
import MICEConfig
import MICEPluginHost
import MICETransport
import Synchronization

/// One running entry: listener → intake (batches records for the decoder) → BufferPipeline
/// (decoder, ring, postprocessor) → acknowledgements and watermarks.
final class EntryRuntime: Sendable {
    let index: Int
    let entry: BufferDaemonConfig.Entry
    let mode: LinkMode
    let server: LinkServer
    let pipeline: BufferPipeline
    let decoder: PluginSupervisor
    let postprocessor: PluginSupervisor
    let watermarks: WatermarkStore?
    /// Records read from a socket, waiting for the decoding module. One that never reaches the
    /// ring is counted in `abandoned` instead of being completed.
    private let staging: BoundedQueue<InboundRecord>
    private let stopping = Atomic<Bool>(false)
    private let abandoned = Atomic<Int>(0)
    private let logger: Logger

    init(
        index: Int, entry: BufferDaemonConfig.Entry, mode: LinkMode, server: LinkServer, pipeline: BufferPipeline,
        decoder: PluginSupervisor, postprocessor: PluginSupervisor, watermarks: WatermarkStore?, logger: Logger
    ) {
        self.index = index
        self.entry = entry
        self.mode = mode
        self.server = server
        self.pipeline = pipeline
        self.decoder = decoder
        self.postprocessor = postprocessor
        self.watermarks = watermarks
        // Enough read-ahead for decoder batches; more would only hide back-pressure.
        self.staging = BoundedQueue(capacity: max(64, min(entry.batchSize, 1024)), policy: .block)
        self.logger = logger
    }

    /// Endpoint as bound (the real port when PORT was 0).
    var boundEndpoint: LinkEndpoint {
        if case .tcp(let host, _) = server.configuration.endpoint, let port = server.port {
            return .tcp(host: host, port: port)
        }
        return server.configuration.endpoint
    }

    // MARK: - Records

    /// LinkServer's `onRecords` (the records of one socket read): stage them (waiting while the
    /// staging area is full, which stops reading the socket: back-pressure), and arrange their
    /// acknowledgement.
    func receive(_ records: [LinkRecord]) async {
        let overflow = pipeline.configuration.overflow
        var inbound: [InboundRecord] = []
        inbound.reserveCapacity(records.count)
        for record in records {
            let tracked = mode == .acked && record.sequence > 0
            if tracked { watermarks?.admitted(record.sequence, from: record.sender) }
            inbound.append(
                InboundRecord(bytes: record.bytes) { [self] stored in
                    // false: dropped by a drop-* policy (acknowledged: the operator chose to lose
                    // it, and it is counted), or not stored because the daemon is stopping (not
                    // acknowledged: the sender resends it).
                    if stored || (overflow != .block && !stopping.load(ordering: .acquiring)) {
                        record.acknowledge()
                        if tracked { watermarks?.completed(record.sequence, from: record.sender) }
                    } else {
                        abandoned.add(1, ordering: .relaxed)
                    }
                })
        }
        let rejected = await staging.push(inbound)
        if !rejected.isEmpty { abandoned.add(rejected.count, ordering: .relaxed) }
    }

    /// Hands staged records to the pipeline in batches until the staging area is closed and empty.
    func runIntake() async {
        while true {
            let batch = await staging.take(maximum: 512, minimum: 1, timeout: .seconds(1))
            if batch.isEmpty {
                if stopping.load(ordering: .acquiring) || intakeClosed.load(ordering: .acquiring) { return }
                continue
            }
            do {
                try await pipeline.submit(batch)
            } catch {
                logger.error("decoding module unavailable; \(batch.count) records not stored: \(error)")
                abandoned.add(batch.count, ordering: .relaxed)
            }
        }
    }

    private let intakeClosed = Atomic<Bool>(false)

    /// No more records will arrive: the intake ends once it has submitted what is staged.
    func closeIntake() {
        intakeClosed.store(true, ordering: .releasing)
        staging.close()
    }

    /// The pipeline is about to stop: records it gives back from now on are not acknowledged.
    func markStopping() {
        stopping.store(true, ordering: .releasing)
    }

    // MARK: - Statistics

    var statistics: EntryStatistics {
        var stats = EntryStatistics(
            index: index, endpoint: boundEndpoint.description, mode: mode.rawValue,
            overflow: pipeline.configuration.overflow.rawValue)
        let pipelineStats = pipeline.statistics
        stats.received = pipelineStats.received
        stats.rejected = pipelineStats.rejected
        stats.dropped = pipelineStats.dropped
        stats.stored = pipelineStats.stored
        stats.failures = pipelineStats.failures
        stats.batches = pipelineStats.batches
        stats.queued = pipeline.queued + staging.count
        let link = server.statistics
        stats.connections = link.connectionsOpen
        stats.connectionsAccepted = link.connectionsAccepted
        stats.duplicatesSkipped = link.duplicatesSkipped
        stats.shortRecords = link.shortRecordsDropped
        stats.protocolErrors = link.protocolErrors
        stats.tlsRefused = link.tlsRefused
        stats.abandoned = abandoned.load(ordering: .relaxed)
        return stats
    }
}
