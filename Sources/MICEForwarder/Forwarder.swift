// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICEConfig
import MICECore
import MICECrypto
import MICEDaemon
import MICEFdServer
import MICEPluginHost
import MICEPluginManifest
import MICERecords
import MICETLS
import MICETail
import MICETransport
import Synchronization

/// The DataForwarder (spec §7.1): follows the configured log files and sends every line, as a
/// LogFormat record in a CipherMsg, to each configured BufferDaemon exactly once.
///
/// ```swift
/// let forwarder = Forwarder(configuration: config, settings: settings, logger: logger)
/// Task { for await _ in TerminationSignals.stream() { forwarder.stop() } }
/// try await forwarder.run()            // returns after a clean stop
/// ```
///
/// Order of work in ``run()``: the fd server (when root, or forced), the directories and the
/// privilege drop (when root), the modules, the links with their spools, the resume plan from the
/// links' checkpoints, the tailer, the ready file; then batches until ``stop()``; then every line
/// already read is processed and spooled, positions are saved, the links get
/// ``ForwarderSettings/deliveryTimeout`` to deliver, and everything is shut down.
public final class Forwarder: Sendable {
    struct Link: Sendable {
        var name: String
        var client: LinkClient
        /// What this link holds: its positions, stored with every batch as its spool checkpoint.
        var positions: TailPositions
    }

    private struct Control {
        var tailer: FileTailer?
        var stopRequested = false
    }

    /// The configuration file's settings.
    public let configuration: DataForwarderConfig
    /// The command line's settings.
    public let settings: ForwarderSettings
    private let logger: Logger
    private let stats = Mutex(ForwarderStatistics())
    private let control = Mutex(Control())
    private let linkClients = Mutex<[(String, LinkClient)]>([])

    public init(configuration: DataForwarderConfig, settings: ForwarderSettings, logger: Logger) {
        self.configuration = configuration
        self.settings = settings
        self.logger = logger
    }

    /// The names of the configured links in order: `rawlogdb` (SQL_SERVER), `analysis` (ANALYSIS_SERVER).
    public var linkNames: [String] {
        [("rawlogdb", configuration.sqlServer), ("analysis", configuration.analysisServer)].compactMap {
            $0.1 == nil ? nil : $0.0
        }
    }

    /// The LogFormat layout of LAYOUT.
    public var layout: LogFormatLayout { configuration.layout == .v02 ? .v02 : .seed }

    /// Counters so far, with the links' spool figures.
    public var statistics: ForwarderStatistics {
        var snapshot = stats.withLock { $0 }
        let clients = linkClients.withLock { $0 }
        snapshot.links = clients.map { name, client in
            let figures = client.statistics
            var link = snapshot.links.first { $0.name == name } ?? ForwarderStatistics.Link(name: name)
            link.pending = figures.pendingRecords
            link.recordsWritten = UInt64(figures.recordsWritten)
            link.recordsDropped = UInt64(figures.recordsDropped)
            link.spoolBytes = UInt64(figures.spoolBytes)
            link.connections = UInt64(figures.connections)
            return link
        }
        return snapshot
    }

    /// Asks ``run()`` to finish: no more reading; what was read is still processed and spooled.
    public func stop() {
        let tailer = control.withLock { control in
            control.stopRequested = true
            return control.tailer
        }
        tailer?.stop()
    }

    // MARK: - Run

    /// Runs until ``stop()``; returns after a clean stop.
    /// - Throws: ``ForwarderError``; its ``ForwarderError/exitStatus`` is the process's.
    public func run() async throws(ForwarderError) {
        var resources = Resources()
        do {
            try await run(&resources)
            await resources.finish(logger: logger)
        } catch {
            await resources.finish(logger: logger)
            throw error
        }
    }

    /// What has to be shut down at the end, in reverse order of start.
    struct Resources {
        var fdServer: FdServerProcess?
        var supervisors: [(PluginSupervisor, Task<Void, Never>)] = []
        var links: [(LinkClient, Task<Void, Never>)] = []

        func finish(logger: Logger) async {
            for (_, task) in links { task.cancel() }
            for (client, task) in links {
                await task.value
                client.close()
            }
            for (supervisor, _) in supervisors { supervisor.stop() }
            for (_, task) in supervisors { await task.value }
            if let fdServer { fdServer.stop(timeout: .seconds(2)) }
        }
    }

    private func run(_ resources: inout Resources) async throws(ForwarderError) {
        // 0. TLS material, read before the privilege drop (the keys are 0600).
        let tls: TLSIdentity?
        switch configuration.security {
        case .mutualTLS(let directory, let name):
            do {
                tls = try TLSIdentity.load(TLSSettings(pkiDirectory: directory, certificateName: name))
            } catch {
                throw ForwarderError(.link, subject: "TLS \(directory) \(name)", "\(error)")
            }
            logger.info(
                "links use mutual TLS",
                metadata: ["tls.pki": "\(directory)", "tls.name": "\(name)", "tls.serial": "\(tls?.serial ?? "")"])
        case .plaintext(let acknowledged):
            tls = nil
            let warning =
                configuration.security.startWarning(file: "dataforwarder.conf", twofish: configuration.encrypt) ?? ""
            if acknowledged { logger.warning("\(warning)") } else { logger.error("\(warning)") }
        }
        let files = configuration.files.map(TailedFile.init)
        let spoolRoot = settings.spoolDirectory ?? configuration.spoolDirectory
        let isRoot = geteuid() == 0

        // 1. Privilege separation: only the fd server keeps the right to read the logs.
        var opener = FileOpener.direct
        if isRoot || settings.forceFdServer {
            let server: FdServerProcess
            do {
                server = try FdServerProcess.launch(
                    executable: settings.binDirectory + "/mice-fdserver", allowList: files.map(\.path),
                    readOnlyUser: isRoot ? configuration.user : nil, readOnlyGroup: isRoot ? configuration.group : nil,
                    logger: logger)
            } catch {
                throw ForwarderError(.privileges, subject: "mice-fdserver", "\(error)")
            }
            resources.fdServer = server
            let client = server.client
            opener = FileOpener { path in try client.open(path) }
        }
        if isRoot {
            try prepareDirectories(spoolRoot: spoolRoot)
            do {
                try PrivilegeDrop.drop(user: configuration.user, group: configuration.group, logger: logger)
            } catch {
                throw ForwarderError(.privileges, subject: "\(configuration.user):\(configuration.group)", "\(error)")
            }
        }

        // 2. Modules.
        let chain = try await startModules(&resources)

        // 3. Links, each with its spool.
        var links: [Link] = []
        let servers = [("rawlogdb", configuration.sqlServer), ("analysis", configuration.analysisServer)]
        for case (let name, let server?) in servers {
            let link = LinkClient.Configuration(
                link: name, mode: server.mode == .legacy ? .legacy : .acked,
                recordSize: CipherMsg.size(innerSize: layout.size),
                endpoint: .tcp(host: server.host, port: server.port),
                spool: DiskSpool.Configuration(
                    directory: spoolRoot + "/" + name, maxBytes: configuration.spoolMaxBytes),
                backoff: ReconnectBackoff(maximum: .seconds(10)), tls: tls)
            let client: LinkClient
            do {
                client = try await LinkClient(configuration: link, logger: logger)
            } catch {
                throw ForwarderError(.link, subject: name, "\(error)")
            }
            resources.links.append((client, Task { await client.run() }))
            linkClients.withLock { $0.append((name, client)) }
            links.append(Link(name: name, client: client, positions: TailPositions()))
        }
        stats.withLock { $0.links = links.map { ForwarderStatistics.Link(name: $0.name) } }

        // 4. Where to resume.
        let (store, startPlan) = try resumePlan(links: links, files: files)
        var plan = startPlan
        for (index, link) in links.enumerated() {
            ResumePlan.fill(link.positions, with: plan.linkPositions[index])
        }

        // 5. The tailer.
        let tailConfiguration = TailConfiguration(
            mode: configuration.watchMode == .poll ? .poll : .inotify,
            interval: .seconds(configuration.sleepInterval), maxLineLength: configuration.maxLineLength,
            startAt: configuration.startAt == .beginning ? .beginning : .end, opener: opener)
        let tailer = FileTailer(files: files, configuration: tailConfiguration, positions: store, logger: logger)
        do {
            try tailer.start()
        } catch {
            throw ForwarderError(.positions, subject: "tailer", "\(error)")
        }
        let stopEarly = control.withLock { control in
            control.tailer = tailer
            return control.stopRequested
        }
        if stopEarly { tailer.stop() }
        try writeReadyFile(files: files, links: links)
        logger.info(
            "forwarding", metadata: ["files": "\(files.count)", "links": "\(links.map(\.name).joined(separator: ","))"])

        // 6. Batches until the tailer ends.
        let batcher = LineBatcher(capacity: max(4 * settings.batchLines, 4096))
        let producer = Task {
            for await line in tailer.lines { await batcher.push(line) }
            await batcher.finish()
        }
        let reporter = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                self.writeStatsFile()
                do { try store.save() } catch { self.logger.warning("cannot save positions: \(error)") }
            }
        }
        var failure: ForwarderError?
        while let batch = await batcher.next(max: settings.batchLines) {
            do {
                try await handle(batch, plan: &plan, chain: chain, links: links, store: store)
            } catch {
                logger.error("stopping: \(error)")
                failure = error
                tailer.cancel()
                await batcher.finish()
                break
            }
        }
        await producer.value
        reporter.cancel()
        await reporter.value
        control.withLock { $0.tailer = nil }

        // 7. Clean stop.
        do { try store.save() } catch { logger.warning("cannot save positions: \(error)") }
        if failure == nil {
            for link in links {
                do {
                    try await link.client.waitUntilDelivered(timeout: settings.deliveryTimeout)
                } catch {
                    logger.warning(
                        "records stay in the spool for the next start",
                        metadata: ["link.name": "\(link.name)", "link.error": "\(error)"])
                }
            }
        }
        writeStatsFile()
        if let failure { throw failure }
        logger.info("stopped")
    }

    // MARK: - Steps

    private func handle(
        _ batch: [TailLine], plan: inout ResumePlan, chain: ModuleChain, links: [Link], store: TailPositions
    ) async throws(ForwarderError) {
        let routes = batch.map { plan.route($0) }
        let wanted = batch.indices.filter { routes[$0].contains(true) }
        let outcome = try await chain.process(wanted.map { batch[$0] })
        var envelopes = [[UInt8]?](repeating: nil, count: batch.count)
        for (slot, index) in wanted.enumerated() { envelopes[index] = outcome.envelopes[slot] }
        var sent: [UInt64] = []
        var skipped: [UInt64] = []
        for (number, link) in links.enumerated() {
            var records: [[UInt8]] = []
            var touched = false
            var skips: UInt64 = 0
            var previous: Int?
            for index in batch.indices {
                guard routes[index][number] else {
                    skips += 1
                    continue
                }
                touched = true
                if let previous, !Self.samePlace(batch[previous], batch[index]) {
                    link.positions.update(batch[previous])
                }
                previous = index
                if let envelope = envelopes[index] { records.append(envelope) }
            }
            if let previous { link.positions.update(batch[previous]) }
            sent.append(UInt64(records.count))
            skipped.append(skips)
            guard touched else { continue }
            let checkpoint: [UInt8]
            do {
                checkpoint = try link.positions.encoded()
            } catch {
                throw ForwarderError(.positions, subject: link.name, "\(error)")
            }
            do {
                try await link.client.send(contentsOf: records, checkpoint: checkpoint)
            } catch {
                throw ForwarderError(.link, subject: link.name, "\(error)")
            }
        }
        for index in batch.indices where index == batch.count - 1 || !Self.samePlace(batch[index], batch[index + 1]) {
            store.update(batch[index])
        }
        let built = UInt64(envelopes.count { $0 != nil })
        let truncated = UInt64(batch.count { $0.isTruncated })
        stats.withLock { stats in
            stats.batches += 1
            stats.linesRead += UInt64(batch.count)
            stats.truncatedLines += truncated
            stats.records += built
            stats.formatDropped += outcome.formatDropped
            stats.formatFailures += outcome.formatFailures
            stats.filtered += outcome.filtered
            stats.filterFailures += outcome.filterFailures
            stats.pseudonymizerFailures += outcome.pseudonymizerFailures
            for index in stats.links.indices where index < sent.count {
                stats.links[index].recordsSent += sent[index]
                stats.links[index].linesAlreadySent += skipped[index]
            }
        }
    }

    /// Whether two lines are of the same file (path and identity). Of consecutive position
    /// updates for one file only the last counts, so the others are skipped: two updates per line
    /// (each a lock and a copy of the file's entries) were 3% of the forwarder's CPU.
    private static func samePlace(_ first: TailLine, _ second: TailLine) -> Bool {
        first.position.identity == second.position.identity && first.path == second.path
    }

    private func startModules(_ resources: inout Resources) async throws(ForwarderError) -> ModuleChain {
        let root = settings.pluginsRoot ?? configuration.modulePath
        let resolver: ModuleResolver
        do {
            resolver = try ModuleResolver(pluginsRoot: root, logger: logger)
        } catch {
            throw ForwarderError(.module, subject: root, "\(error)")
        }
        guard let formatName = configuration.formatModule else {
            throw ForwarderError(.configuration, subject: "MOD_LOGFORMAT", "no format module is configured")
        }
        var wanted: [(String, PluginKind, String?)] = [(formatName, .format, configuration.formatConfig)]
        if configuration.filter {
            guard let name = configuration.filterModule else {
                throw ForwarderError(.configuration, subject: "MOD_FILTER", "FILTER is on but no filter module is set")
            }
            wanted.append((name, .filter, configuration.filterConfig))
        }
        if configuration.pseudonymize {
            guard let name = configuration.pseudonymModule else {
                throw ForwarderError(
                    .configuration, subject: "MOD_PSEUDONYM", "PSEUDO is on but no pseudonymizer module is set")
            }
            wanted.append((name, .pseudonymizer, configuration.pseudonymConfig))
        }
        var supervisors: [PluginSupervisor] = []
        for (name, kind, file) in wanted {
            let module: ResolvedModule
            do {
                module = try resolver.resolve(name: name, kind: kind, configFile: file)
            } catch {
                throw ForwarderError(.module, subject: name, "\(error)")
            }
            let options = PluginSpawnOptions(
                binDirectory: settings.binDirectory, configuration: module.configuration, layout: layout.rawValue)
            let supervisor = PluginSupervisor(manifest: module.manifest, options: options, logger: logger)
            resources.supervisors.append((supervisor, Task { await supervisor.run() }))
            supervisors.append(supervisor)
        }
        for supervisor in supervisors {
            do {
                _ = try await supervisor.connection(timeout: supervisor.manifest.timeouts.startSeconds + 5)
            } catch {
                throw ForwarderError(.module, subject: supervisor.manifest.name, "\(error)")
            }
        }
        var cipher: LegacyTwofish?
        if configuration.encrypt {
            do {
                cipher = try LegacyTwofish(password: configuration.encryptionKey ?? "")
            } catch {
                throw ForwarderError(.configuration, subject: "ENCKEY", "\(error)")
            }
        }
        return ModuleChain(
            format: supervisors[0], filter: configuration.filter ? supervisors[1] : nil,
            pseudonymizer: configuration.pseudonymize ? supervisors.last : nil, layout: layout, cipher: cipher)
    }

    /// Builds the plan from the links' checkpoints and the position file, and rewrites the
    /// position file with where the tailer resumes (the smallest offset over the links).
    private func resumePlan(links: [Link], files: [TailedFile]) throws(ForwarderError) -> (TailPositions, ResumePlan) {
        let path = configuration.positionFile
        let fallback: [String: [TailPosition]]
        do {
            fallback = try TailPositions(file: path).positions
        } catch {
            throw ForwarderError(.positions, subject: path, "\(error)")
        }
        var checkpoints: [[String: [TailPosition]]?] = []
        for link in links {
            guard let bytes = link.client.checkpoint else {
                checkpoints.append(nil)
                continue
            }
            do {
                checkpoints.append(
                    try TailPositions(encoded: bytes, source: "checkpoint of link \(link.name)").positions)
            } catch {
                throw ForwarderError(.positions, subject: link.name, "\(error)")
            }
        }
        var sizes: [FileIdentity: UInt64] = [:]
        for file in files {
            var info = stat()
            if stat(file.path, &info) == 0 {
                sizes[FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))] = UInt64(
                    max(0, info.st_size))
            }
        }
        let plan = ResumePlan(checkpoints: checkpoints, fallback: fallback, currentSizes: sizes)
        let fresh = path + ".start"
        unlink(fresh)
        do {
            let store = try TailPositions(file: fresh)
            ResumePlan.fill(store, with: plan.tailerPositions)
            try store.save()
            if plan.tailerPositions.isEmpty {
                unlink(path)
            } else if rename(fresh, path) != 0 {
                throw ForwarderError(.positions, subject: path, "rename: errno \(errno)")
            }
            return (try TailPositions(file: path), plan)
        } catch let error as ForwarderError {
            throw error
        } catch {
            throw ForwarderError(.positions, subject: path, "\(error)")
        }
    }

    /// As root, before the drop: the spool folders and the position file's folder, owned by USER.
    private func prepareDirectories(spoolRoot: String) throws(ForwarderError) {
        let uid: UInt32
        let gid: UInt32
        do {
            uid = try PrivilegeDrop.lookUpUser(configuration.user)
            gid = try PrivilegeDrop.lookUpGroup(configuration.group)
        } catch {
            throw ForwarderError(.privileges, subject: "\(configuration.user):\(configuration.group)", "\(error)")
        }
        let manager = FileManager.default
        let positionFolder = (configuration.positionFile as NSString).deletingLastPathComponent
        var folders = [spoolRoot] + linkNames.map { spoolRoot + "/" + $0 }
        if !positionFolder.isEmpty && !manager.fileExists(atPath: positionFolder) { folders.append(positionFolder) }
        for folder in folders {
            do {
                try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw ForwarderError(.link, subject: folder, "cannot create: \(error)")
            }
            chown(folder, uid, gid)
            if folder.hasPrefix(spoolRoot + "/") {
                for name in (try? manager.contentsOfDirectory(atPath: folder)) ?? [] {
                    chown(folder + "/" + name, uid, gid)
                }
            }
        }
    }

    private func writeReadyFile(files: [TailedFile], links: [Link]) throws(ForwarderError) {
        guard let path = settings.readyFile else { return }
        let value = JSONValue.object([
            "pid": .int(Int64(getpid())),
            "files": .array(files.map { .string($0.path) }),
            "links": .array(
                links.map { link in
                    .object([
                        "name": .string(link.name),
                        "endpoint": .string("\(link.client.configuration.endpoint)"),
                        "mode": .string(link.client.configuration.mode.rawValue),
                    ])
                }),
        ])
        do {
            try ReadyFile.write(path: path, contents: value)
        } catch {
            throw ForwarderError(.configuration, subject: path, "cannot write the ready file: \(error)")
        }
    }

    private func writeStatsFile() {
        guard let path = settings.statsFile else { return }
        do {
            try ReadyFile.write(path: path, contents: statistics.json)
        } catch {
            logger.warning("cannot write the stats file", metadata: ["stats.file": "\(path)", "error": "\(error)"])
        }
    }
}
