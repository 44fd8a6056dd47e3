// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import DequeModule
import Logging
import MICEPluginManifest
import Synchronization

/// Runs one module for as long as the host needs it: spawns it, restarts it with backoff when it
/// dies, gives up on a crash loop, and hands the current connection to callers.
///
/// How it fits together: all decisions are made by a ``SupervisorStateMachine`` value; ``run()``
/// is the async shell that feeds it events and performs its actions. Each process *generation*
/// has one child task that does, in order, spawn → handshake → wait for the session to end →
/// wait for the reap, and reports each step as an event; stale events of an older generation
/// are ignored. Timers are child tasks too; nothing escapes ``run()``.
///
/// Callers get the live connection from ``connection(timeout:)``. A call in flight when the
/// module dies fails with the session's error; the caller may ask for the connection again and
/// retry once the supervisor has restarted the module.
///
/// `run()` returns when the module is stopped (``stop()`` or task cancellation, which tear the
/// module down with SHUTDOWN → SIGTERM → SIGKILL) or has failed for good.
public final class PluginSupervisor: Sendable {
    /// A snapshot of the supervisor.
    public struct Status: Sendable {
        /// The state machine's state.
        public var state: SupervisorStateMachine.State
        /// Restarts so far.
        public var restarts: Int
        /// The pid of the current process, if one runs.
        public var pid: Int32?
        /// The last error that ended a start or a session (the crash-loop error once failed).
        public var lastError: PluginError?
        /// How the last process ended.
        public var lastExitStatus: ExitStatus?
        /// Processes spawned so far.
        public var spawns: Int
    }

    fileprivate enum Event: Sendable {
        case spawned(generation: Int, PluginProcess)
        case spawnFailed(generation: Int, PluginError)
        case ready(generation: Int, PluginConnection)
        case connectionFailed(generation: Int, PluginError)
        case exited(generation: Int, ExitStatus)
        case timer(generation: Int)
        case stop
    }

    private struct Shared {
        var machine: SupervisorStateMachine
        var process: PluginProcess?
        var connection: PluginConnection?
        var spawns = 0
        var changed = OneShot<Void>()
        var events: EventQueue?
        var stopRequested = false
    }

    /// The plugin's manifest.
    public let manifest: PluginManifest
    private let options: PluginSpawnOptions
    private let logger: Logger
    private let shared: Mutex<Shared>

    /// Creates a supervisor; nothing runs until ``run()``.
    /// - Parameters:
    ///   - manifest: the module to run.
    ///   - options: spawn options (bin directory, configuration, layout).
    ///   - logger: for the supervisor's and the module's log lines.
    ///   - seed: seed of the backoff jitter.
    public init(
        manifest: PluginManifest,
        options: PluginSpawnOptions = PluginSpawnOptions(),
        logger: Logger,
        seed: UInt64 = UInt64.random(in: 1...UInt64.max)
    ) {
        self.manifest = manifest
        self.options = options
        var logger = logger
        logger[metadataKey: "plugin.name"] = "\(manifest.name)"
        self.logger = logger
        self.shared = Mutex(
            Shared(machine: SupervisorStateMachine(pluginName: manifest.name, policy: manifest.restart, seed: seed))
        )
    }

    // MARK: - Status and connections

    /// A snapshot of the supervisor's state.
    public var status: Status {
        shared.withLock { shared in
            let pid: Int32?
            switch shared.machine.state {
            case .handshaking(let id), .running(let id, _): pid = id
            case .draining(let id): pid = id
            default: pid = nil
            }
            return Status(
                state: shared.machine.state,
                restarts: shared.machine.restarts,
                pid: pid,
                lastError: shared.machine.lastError,
                lastExitStatus: shared.machine.lastExitStatus,
                spawns: shared.spawns
            )
        }
    }

    /// The connection to the running module, waiting up to `timeout` seconds for one.
    /// - Throws: ``PluginError/Code/notRunning`` when the module has failed or been stopped (the
    ///   error names the reason) or when none is up within `timeout`.
    public func connection(timeout: Double = 10) async throws -> PluginConnection {
        let deadline = Monotonic.now() + timeout
        while true {
            let (connection, finished, changed, lastError) = shared.withLock { shared in
                let connection = shared.connection.flatMap { $0.isOpen ? $0 : nil }
                return (connection, shared.machine.isFinished, shared.changed, shared.machine.lastError)
            }
            if let connection { return connection }
            if finished {
                var error = PluginError(.notRunning, plugin: manifest.name, "the module is not running")
                if let lastError { error.detail += " (\(lastError.code): \(lastError.detail))" }
                throw error
            }
            let left = deadline - Monotonic.now()
            guard left > 0, !Task.isCancelled else {
                throw PluginError(.notRunning, plugin: manifest.name, "no running module within \(timeout) s")
            }
            _ = await changed.wait(timeout: .seconds(left))
        }
    }

    /// Waits up to `timeout` seconds until `predicate` holds for the status; returns the status
    /// it held for, or nil.
    public func waitForStatus(timeout: Double, where predicate: (Status) -> Bool) async -> Status? {
        let deadline = Monotonic.now() + timeout
        while true {
            let changed = shared.withLock { $0.changed }
            let current = status
            if predicate(current) { return current }
            let left = deadline - Monotonic.now()
            guard left > 0, !Task.isCancelled else { return nil }
            _ = await changed.wait(timeout: .seconds(left))
        }
    }

    /// Asks ``run()`` to stop the module and return.
    public func stop() {
        let continuation = shared.withLock { shared in
            shared.stopRequested = true
            return shared.events
        }
        continuation?.push(.stop)
    }

    // MARK: - Run loop

    /// Runs the module until it is stopped or fails for good.
    ///
    /// Cancelling the calling task stops the module gracefully, as ``stop()`` does: the event
    /// loop and each generation's work do not observe cancellation (a half-done teardown would
    /// leak the process), they end when the module has been reaped.
    public func run() async {
        let events = EventQueue()
        let stopEarly = shared.withLock { shared in
            shared.events = events
            return shared.stopRequested
        }
        if stopEarly { events.push(.stop) }
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                var generation = 0
                var actions = update { $0.start(now: Monotonic.now()) }
                while true {
                    for action in actions {
                        perform(action, generation: &generation, group: &group, events: events)
                    }
                    if shared.withLock({ $0.machine.isFinished }) { break }
                    let event = await events.next()
                    actions = handle(event, current: generation)
                }
                group.cancelAll()
            }
        } onCancel: {
            self.stop()
        }
        shared.withLock { shared in
            shared.events = nil
            shared.connection = nil
            shared.process = nil
        }
        notify()
    }

    private func handle(_ event: Event, current generation: Int) -> [SupervisorStateMachine.Action] {
        let now = Monotonic.now()
        switch event {
        case .stop:
            return update { $0.stopRequested(now: now) }
        case .spawned(let id, let process):
            guard id == generation else { return [] }
            return updateShared { shared in
                shared.process = process
                return shared.machine.spawned(pid: process.pid, now: now)
            }
        case .spawnFailed(let id, let error):
            guard id == generation else { return [] }
            logger.warning("plugin failed to spawn: \(error)")
            return update { $0.spawnFailed(error, now: now) }
        case .ready(let id, let connection):
            guard id == generation else { return [] }
            return updateShared { shared in
                shared.connection = connection
                return shared.machine.ready(now: now)
            }
        case .connectionFailed(let id, let error):
            guard id == generation else { return [] }
            let stopping = shared.withLock { $0.stopRequested }
            if !stopping { logger.warning("plugin session ended: \(error)") }
            return update { $0.connectionFailed(error, now: now) }
        case .exited(let id, let status):
            guard id == generation else { return [] }
            return updateShared { shared in
                shared.connection = nil
                shared.process = nil
                return shared.machine.exited(status: status, now: now)
            }
        case .timer(let id):
            guard id == generation else { return [] }
            return update { $0.timerFired(now: now) }
        }
    }

    private func perform(
        _ action: SupervisorStateMachine.Action,
        generation: inout Int,
        group: inout DiscardingTaskGroup,
        events: EventQueue
    ) {
        switch action {
        case .spawn:
            generation += 1
            let id = generation
            shared.withLock { $0.spawns += 1 }
            // Unstructured on purpose: a generation always runs to the reap (see run()).
            group.addTask { await Task { await self.runGeneration(id, events: events) }.value }
        case .scheduleRestart(let delay):
            let id = generation
            logger.info("restarting plugin in \(ConnectionCore.format(delay)) s")
            group.addTask {
                try? await Task.sleep(for: .seconds(delay))
                events.push(.timer(generation: id))
            }
        case .kill:
            let (connection, process) = shared.withLock { ($0.connection, $0.process) }
            let grace = manifest.timeouts.shutdownSeconds
            // Unstructured on purpose: the teardown keeps its grace periods under cancellation.
            group.addTask {
                await Task {
                    if let connection {
                        await connection.shutdown(reason: "supervisor stopping the module")
                    } else if let process {
                        await process.terminate(grace: grace)
                    }
                }.value
            }
        case .reportCrashLoop(let error):
            logger.error("plugin is in a crash loop; not restarting it: \(error)")
        case .reportFailed(let error):
            logger.error("plugin failed; not restarting it: \(error)")
        }
    }

    /// One process generation: spawn, handshake, session, reap, each reported as an event.
    private func runGeneration(_ id: Int, events: EventQueue) async {
        let process: PluginProcess
        do {
            process = try PluginProcess.spawn(manifest: manifest, options: options, logger: logger)
        } catch {
            events.push(.spawnFailed(generation: id, error))
            return
        }
        events.push(.spawned(generation: id, process))
        do {
            let connection = try await PluginConnection.start(
                process: process,
                manifest: manifest,
                options: options,
                logger: logger
            )
            events.push(.ready(generation: id, connection))
            var reason = await connection.waitUntilClosed()
            if reason.exitStatus == nil, let status = await process.waitForExit(timeout: 0.2) {
                reason.exitStatus = status
                reason.stderrTail = process.stderr.tail(10)
            }
            events.push(.connectionFailed(generation: id, reason))
        } catch let error as PluginError {
            events.push(.connectionFailed(generation: id, error))
        } catch {
            events.push(
                .connectionFailed(generation: id, PluginError(.protocolViolation, plugin: manifest.name, "\(error)"))
            )
        }
        let status = await process.waitForExit()
        events.push(.exited(generation: id, status))
    }

    private func update(_ body: (inout SupervisorStateMachine) -> [SupervisorStateMachine.Action])
        -> [SupervisorStateMachine.Action]
    {
        updateShared { shared in body(&shared.machine) }
    }

    private func updateShared(_ body: (inout Shared) -> [SupervisorStateMachine.Action]) -> [SupervisorStateMachine
        .Action]
    {
        let (actions, changed) = shared.withLock { shared in
            let actions = body(&shared)
            let changed = shared.changed
            shared.changed = OneShot()
            return (actions, changed)
        }
        changed.fulfill(())
        return actions
    }

    private func notify() {
        let changed = shared.withLock { shared in
            let changed = shared.changed
            shared.changed = OneShot()
            return changed
        }
        changed.fulfill(())
    }
}

/// The supervisor's mailbox: unbounded (a handful of events per process generation), and, unlike
/// `AsyncStream`, its `next()` ignores task cancellation, so a cancelled `run()` still sees the
/// events of its own teardown.
private final class EventQueue: Sendable {
    private struct State {
        var events = Deque<PluginSupervisor.Event>()
        var waiter: CheckedContinuation<PluginSupervisor.Event, Never>?
    }
    private let state = Mutex(State())

    func push(_ event: PluginSupervisor.Event) {
        let waiter = state.withLock { state -> CheckedContinuation<PluginSupervisor.Event, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.events.append(event)
            return nil
        }
        waiter?.resume(returning: event)
    }

    /// The next event; one consumer at a time.
    func next() async -> PluginSupervisor.Event {
        await withCheckedContinuation { continuation in
            let event = state.withLock { state -> PluginSupervisor.Event? in
                if let event = state.events.popFirst() { return event }
                state.waiter = continuation
                return nil
            }
            if let event { continuation.resume(returning: event) }
        }
    }
}
