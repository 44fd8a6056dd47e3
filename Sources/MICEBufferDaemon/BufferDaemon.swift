// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICEBuffer
import MICEConfig
import MICECore
import MICEDaemon
import MICEPluginHost
import MICEPluginManifest
import MICETLS
import MICETransport
import MICEWire
import Synchronization

/// The BufferDaemon (spec §7.2, seed guide §3.2): for every entry of `bufferdaemon.conf` a
/// listener (TCP or Unix socket, acked or legacy link), a decoding module, a bounded ring and a
/// postprocessing module.
///
/// ```swift
/// let daemon = try BufferDaemon(configuration: config, options: options, logger: logger)
/// try await daemon.run { bound in /* every listener is bound: ready file, drop privileges */ }
/// // elsewhere, on SIGTERM: daemon.stop()
/// ```
///
/// A record is acknowledged to an acked sender once the postprocessing module replied for it
/// (stored), or when the decoder refused it for good, or when a drop-* policy dropped it (counted
/// in ``EntryStatistics/dropped``). With the `block` policy nothing is dropped: a full ring stops
/// the reading of the sockets, and TCP pushes back on the senders.
///
/// Per entry and sender, the highest sequence whose records are all completed is kept in a
/// watermark file of the state directory (``WatermarkStore``) and answers the listener's
/// `durableSequence` after a restart, so resends of stored records are skipped. Duplicates remain
/// possible for records stored in the last ~100 ms before a crash (stored, but the watermark not yet
/// written, and the sender had no ACK for them).
public final class BufferDaemon: Sendable {
    private struct Modules: Sendable {
        var decoder: ResolvedModule
        var postprocessor: ResolvedModule
    }

    /// The configuration in force.
    public let configuration: BufferDaemonConfig
    /// The options in force.
    public let options: BufferDaemonOptions
    private let modules: [Modules]
    private let agents: [ResolvedModule]
    /// The mutual-TLS material of `[TLS]` (nil: plaintext TCP listeners, or no TCP listener).
    private let tls: TLSIdentity?
    private let logger: Logger
    private let entries = Mutex<[EntryRuntime]>([])
    private let stopSignal: AsyncStream<Void>
    private let stopContinuation: AsyncStream<Void>.Continuation

    /// Resolves every entry's modules (nothing is started yet).
    /// - Throws: ``BufferDaemonError`` naming the entry and its configuration line.
    public init(
        configuration: BufferDaemonConfig, options: BufferDaemonOptions, logger: Logger
    ) throws(BufferDaemonError) {
        self.configuration = configuration
        self.options = options
        self.logger = logger
        let resolver: ModuleResolver
        do {
            resolver = try ModuleResolver(pluginsRoot: options.pluginsRoot, logger: logger)
        } catch {
            throw BufferDaemonError(.unknownModule, file: options.pluginsRoot, error.message)
        }
        var modules: [Modules] = []
        for (offset, entry) in configuration.entries.enumerated() {
            do {
                modules.append(
                    Modules(
                        decoder: try resolver.resolve(
                            name: entry.decoder.name, kind: .decoding, configFile: entry.decoder.configFile),
                        postprocessor: try resolver.resolve(
                            name: entry.postprocessor.name, kind: .postprocessing,
                            configFile: entry.postprocessor.configFile)))
            } catch {
                let code: BufferDaemonError.Code
                switch error.code {
                case .wrongKind: code = .wrongModuleKind
                case .moduleConfig: code = .moduleConfiguration
                default: code = .unknownModule
                }
                throw BufferDaemonError(code, entry: offset + 1, line: entry.line, error.message)
            }
        }
        self.modules = modules
        self.agents = try AgentSet.resolve(configuration.agents, resolver: resolver)
        let hasTCP = configuration.entries.contains { if case .tcp = $0.listen { true } else { false } }
        if hasTCP, case .mutualTLS(let directory, let name) = configuration.security {
            do {
                tls = try TLSIdentity.load(TLSSettings(pkiDirectory: directory, certificateName: name))
            } catch {
                throw BufferDaemonError(.tls, file: (error as? TLSError)?.path, "\(error)")
            }
        } else {
            tls = nil
        }
        (stopSignal, stopContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Starts a graceful stop: stop accepting, store what was received, acknowledge it, save the
    /// watermarks, stop the modules. ``run(whenBound:)`` returns when done. Safe from any task,
    /// also before `run`.
    public func stop() {
        stopContinuation.yield()
        stopContinuation.finish()
    }

    /// Every entry's counters (empty before the listeners are bound).
    public var statistics: [EntryStatistics] {
        entries.withLock { $0 }.map(\.statistics)
    }

    /// Runs the daemon until ``stop()``.
    ///
    /// Order: each decoding module is started once to learn its record size (its `init` value),
    /// every listener is bound, `whenBound` runs (write the ready file, give up root: the modules
    /// are spawned after it, so they never run as root), then modules, rings and listeners run.
    /// - Throws: ``BufferDaemonError`` when a decoding module does not start or a listener cannot
    ///   be bound, or what `whenBound` throws; everything started is stopped first.
    public func run(whenBound: @Sendable ([BoundEntry]) async throws -> Void) async throws {
        if let tls {
            logger.info(
                "TCP listeners use mutual TLS",
                metadata: [
                    "tls.pki": "\(tls.settings.pkiDirectory)", "tls.name": "\(tls.settings.certificateName)",
                    "tls.serial": "\(tls.serial)",
                ])
        } else if configuration.entries.contains(where: { if case .tcp = $0.listen { true } else { false } }),
            let warning = configuration.security.startWarning(file: "bufferdaemon.conf")
        {
            if case .plaintext(acknowledged: true) = configuration.security {
                logger.warning("\(warning)")
            } else {
                logger.error("\(warning)")
            }
        }
        let runtimes = try await bindEntries()
        entries.withLock { $0 = runtimes }
        let bound = runtimes.map {
            BoundEntry(
                index: $0.index, endpoint: $0.boundEndpoint, port: $0.server.port,
                recordSize: $0.server.configuration.recordSize, mode: $0.mode)
        }
        do {
            try await whenBound(bound)
        } catch {
            for runtime in runtimes { runtime.server.shutdown() }
            await withDiscardingTaskGroup { group in
                for runtime in runtimes { group.addTask { try? await runtime.server.run(onRecords: { _ in }) } }
            }
            throw error
        }
        await serve(runtimes)
    }

    // MARK: - Start

    private func spawnOptions(_ module: ResolvedModule) -> PluginSpawnOptions {
        PluginSpawnOptions(
            binDirectory: options.binDirectory,
            stateDirectory: options.stateDirectory + "/modules/" + module.manifest.name,
            configuration: module.configuration,
            layout: options.layout)
    }

    /// The decoder's `init` value: the size of the records its senders send.
    private func probeRecordSize(_ module: ResolvedModule, index: Int) async throws -> Int {
        let entry = configuration.entries[index - 1]
        let connection: PluginConnection
        // Its own state directory: this run may still be root, and must not create the module's
        // real one (the modules proper run after the privilege drop).
        var probeOptions = spawnOptions(module)
        probeOptions.stateDirectory = NSTemporaryDirectory() + "mice-bufferdaemon-probe-\(getpid())"
        defer { _ = try? FileManager.default.removeItem(atPath: probeOptions.stateDirectory ?? "") }
        do {
            connection = try await PluginConnection.launch(
                manifest: module.manifest, options: probeOptions, logger: logger)
        } catch {
            throw BufferDaemonError(
                .moduleStart, entry: index, line: entry.line, "decoding module \(module.manifest.name): \(error)")
        }
        let size = Int(connection.initValue)
        _ = await connection.shutdown(reason: "record size known")
        guard size > 0, size <= LinkProtocol.maxRecordBytes else {
            throw BufferDaemonError(
                .moduleStart, entry: index, line: entry.line,
                "decoding module \(module.manifest.name) announced record size \(size), not 1–\(LinkProtocol.maxRecordBytes)"
            )
        }
        return size
    }

    private func bindEntries() async throws -> [EntryRuntime] {
        try makeDirectory(options.stateDirectory)
        var runtimes: [EntryRuntime] = []
        var sizes: [String: Int] = [:]
        do {
            for (offset, entry) in configuration.entries.enumerated() {
                let index = offset + 1
                let module = modules[offset]
                let key = module.decoder.manifest.name + "\u{0}" + "\(module.decoder.configuration)"
                let recordSize: Int
                if let known = sizes[key] {
                    recordSize = known
                } else {
                    recordSize = try await probeRecordSize(module.decoder, index: index)
                    sizes[key] = recordSize
                }
                runtimes.append(try await bind(entry, index: index, modules: module, recordSize: recordSize))
            }
        } catch {
            for runtime in runtimes { runtime.server.shutdown() }
            await withDiscardingTaskGroup { group in
                for runtime in runtimes { group.addTask { try? await runtime.server.run(onRecords: { _ in }) } }
            }
            throw error
        }
        return runtimes
    }

    private func bind(
        _ entry: BufferDaemonConfig.Entry, index: Int, modules: Modules, recordSize: Int
    ) async throws -> EntryRuntime {
        var entryLogger = logger
        entryLogger[metadataKey: "entry"] = "\(index)"
        let endpoint: LinkEndpoint
        switch entry.listen {
        case .tcp(let host, let port): endpoint = .tcp(host: host, port: port)
        case .unix(let path): endpoint = .unix(path: path)
        }
        let mode: LinkMode = entry.linkMode == .legacy ? .legacy : .acked
        let box = WatermarkBox()
        let server: LinkServer
        do {
            server = try await LinkServer.bind(
                configuration: LinkServer.Configuration(
                    link: "*", mode: mode, recordSize: recordSize, endpoint: endpoint, socketFileMode: 0o660,
                    maxBufferedRecords: 256, drainTimeout: options.connectionDrainTimeout,
                    durableSequence: { sender in box.store?.durableSequence(of: sender) ?? 0 }, tls: tls),
                logger: entryLogger)
        } catch {
            throw BufferDaemonError(.bindFailed, entry: index, line: entry.line, "\(endpoint): \(error)")
        }
        var bound = endpoint
        if case .tcp(let host, _) = endpoint, let port = server.port { bound = .tcp(host: host, port: port) }
        if mode == .acked {
            box.store = openWatermarks(path: watermarkPath(for: bound), logger: entryLogger)
        }
        let decoder = PluginSupervisor(
            manifest: modules.decoder.manifest, options: spawnOptions(modules.decoder), logger: entryLogger)
        let postprocessor = PluginSupervisor(
            manifest: modules.postprocessor.manifest, options: spawnOptions(modules.postprocessor),
            logger: entryLogger)
        let overflow: MICEBuffer.OverflowPolicy
        switch entry.overflow {
        case .block: overflow = .block
        case .dropNewest: overflow = .dropNewest
        case .dropOldest: overflow = .dropOldest
        }
        let pipeline = BufferPipeline(
            configuration: BufferPipeline.Configuration(
                name: "\(index)", capacity: max(configuration.ringBufferSize, 1), batchSize: entry.batchSize,
                // TIMEINV 0 ("as soon as records arrive"): a short wait, so an idle ring does not spin.
                flushInterval: entry.timerInterval == 0 ? .milliseconds(10) : .seconds(entry.timerInterval),
                overflow: overflow),
            decoder: decoder, postprocessor: postprocessor, logger: entryLogger)
        return EntryRuntime(
            index: index, entry: entry, mode: mode, server: server, pipeline: pipeline, decoder: decoder,
            postprocessor: postprocessor, watermarks: box.store, logger: entryLogger)
    }

    /// `STATEDIR/watermarks-<endpoint>.json`, the endpoint as bound with `/` and `:` replaced.
    func watermarkPath(for endpoint: LinkEndpoint) -> String {
        let name = String(
            endpoint.description.map { character -> Character in
                character.isLetter || character.isNumber || character == "." || character == "-" ? character : "_"
            })
        return options.stateDirectory + "/watermarks-" + name + ".json"
    }

    private func openWatermarks(path: String, logger: Logger) -> WatermarkStore? {
        do {
            return try WatermarkStore(path: path)
        } catch {
            // Only duplicates can follow from starting afresh, never a loss: keep running.
            let aside = path + ".unreadable"
            _ = try? FileManager.default.removeItem(atPath: aside)
            _ = try? FileManager.default.moveItem(atPath: path, toPath: aside)
            logger.error("\(error); moved to \(aside), starting without watermarks (resends may be stored twice)")
            return try? WatermarkStore(path: path)
        }
    }

    private func makeDirectory(_ path: String) throws(BufferDaemonError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw BufferDaemonError(.stateDirectory, file: path, "\(error)")
        }
    }

    // MARK: - Serving and stopping

    private func serve(_ runtimes: [EntryRuntime]) async {
        let agentSet = AgentSet(agents, options: options, logger: logger)
        await withDiscardingTaskGroup { modules in
            modules.addTask { await agentSet.run() }
            for runtime in runtimes {
                modules.addTask { await runtime.decoder.run() }
                modules.addTask { await runtime.postprocessor.run() }
            }
            let saver = Task { await self.saveWatermarksPeriodically(runtimes) }
            let drainGuard = Mutex<Task<Void, Never>?>(nil)
            await withDiscardingTaskGroup { pipelines in
                for runtime in runtimes { pipelines.addTask { await runtime.pipeline.run() } }
                await withDiscardingTaskGroup { intakes in
                    for runtime in runtimes { intakes.addTask { await runtime.runIntake() } }
                    await serveListeners(runtimes)
                    for runtime in runtimes { runtime.closeIntake() }
                }
                logger.info("listeners closed; draining the rings into postprocessing")
                for runtime in runtimes {
                    runtime.markStopping()
                    runtime.pipeline.stop()
                }
                // A store that stays down must not keep the daemon from stopping.
                let timeout = options.ringDrainTimeout
                let logger = logger
                drainGuard.withLock { guardTask in
                    guardTask = Task {
                        guard (try? await Task.sleep(for: timeout)) != nil else { return }
                        logger.error("rings not drained in time; stopping the modules with records left")
                        for runtime in runtimes { runtime.postprocessor.stop() }
                    }
                }
            }
            drainGuard.withLock { $0?.cancel() }
            saver.cancel()
            await saver.value
            saveWatermarks(runtimes)
            for runtime in runtimes {
                runtime.decoder.stop()
                runtime.postprocessor.stop()
            }
            agentSet.stop()
        }
        logger.info("stopped")
    }

    /// Serves every listener until ``stop()``; then stops them gracefully and returns when every
    /// connection has ended.
    private func serveListeners(_ runtimes: [EntryRuntime]) async {
        await withDiscardingTaskGroup { group in
            for runtime in runtimes {
                group.addTask {
                    do {
                        try await runtime.server.run(onRecords: { records in await runtime.receive(records) })
                    } catch {
                        self.logger.critical("listener of entry \(runtime.index) failed: \(error); stopping")
                        self.stop()
                    }
                }
            }
            for await _ in stopSignal { break }
            logger.info("stopping: no new connections; storing what was received")
            for runtime in runtimes {
                runtime.pipeline.flushPromptly()
                runtime.server.shutdown()
            }
        }
    }

    private func saveWatermarksPeriodically(_ runtimes: [EntryRuntime]) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: options.watermarkInterval)
            saveWatermarks(runtimes)
        }
    }

    private func saveWatermarks(_ runtimes: [EntryRuntime]) {
        for runtime in runtimes {
            do {
                try runtime.watermarks?.save()
            } catch {
                logger.error("\(error)")
            }
        }
    }
}

/// The watermark store of an entry, set once its listener is bound (the file name holds the bound
/// port); read by the listener's `durableSequence`, which is only asked once connections are served.
private final class WatermarkBox: Sendable {
    private let value = Mutex<WatermarkStore?>(nil)

    var store: WatermarkStore? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
