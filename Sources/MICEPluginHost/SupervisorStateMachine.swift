// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginManifest

/// The restart logic of a ``PluginSupervisor`` as a pure value: events in, actions out.
///
/// No I/O, no clock, no randomness from outside: time comes in as `now` (monotonic seconds) and
/// the jitter from a seeded generator, so every path is unit-tested without processes (the
/// pattern of NIO's upgrader state machines). The async supervisor performs the actions.
///
/// Life of one module: `idle` → (start) `starting` → (spawned) `handshaking` → (ready)
/// `running` → (connection failed / stop) `draining` → (exited) `backingOff` → (timer) `starting`
/// … or `failed` / `stopped` for good.
///
/// Restart rules (docs/plugin-protocol.md sections 9 and 10):
/// - policy `never`: never restarted; `on-failure`: not after a clean exit 0 that no session
///   error preceded; `always`: after any exit.
/// - exit codes 64 and 78 (``ExitStatus/isRestartable``) and the session errors
///   ``PluginError/isRestartable`` excludes (version mismatch, rejected configuration) are never
///   restarted.
/// - delays double from `initialDelaySeconds` up to `maxDelaySeconds`, each scaled by a jitter
///   factor in `1 ± jitter` (then clamped to that range); after `resetAfterSeconds` of healthy
///   running they start again from the initial delay.
/// - a restart that would make more than `maxRestarts` restarts within `windowSeconds` is a crash
///   loop: state `failed`, action ``Action/reportCrashLoop(_:)`` (log it once).
public struct SupervisorStateMachine: Hashable, Sendable {
    /// Where the module is.
    public enum State: Hashable, Sendable {
        /// Not started yet.
        case idle
        /// A spawn was requested.
        case starting
        /// The process runs; the handshake is under way.
        case handshaking(pid: Int32)
        /// The session is up since `since`.
        case running(pid: Int32, since: Double)
        /// The process is being stopped; waiting for its exit.
        case draining(pid: Int32?)
        /// Waiting until `until` before the next spawn.
        case backingOff(until: Double)
        /// Given up: not restartable, crash loop, or policy `never`.
        case failed
        /// Stopped on request (or a clean exit under `on-failure`).
        case stopped
    }

    /// What the supervisor must do.
    public enum Action: Hashable, Sendable {
        /// Spawn the module and start the handshake.
        case spawn
        /// Fire ``SupervisorStateMachine/timerFired(now:)`` after this many seconds.
        case scheduleRestart(after: Double)
        /// Tear the current process down (SHUTDOWN, SIGTERM, SIGKILL; always reap).
        case kill
        /// Crash loop: log once at error level and report the module failed.
        case reportCrashLoop(PluginError)
        /// The module failed for good for another reason (not restartable, policy `never`).
        case reportFailed(PluginError)
    }

    /// The state.
    public private(set) var state: State = .idle
    /// Restarts performed so far.
    public private(set) var restarts = 0
    /// The last error that ended a session or start, if any.
    public private(set) var lastError: PluginError?
    /// How the last process ended.
    public private(set) var lastExitStatus: ExitStatus?

    private let policy: RestartPolicy
    private let pluginName: String
    private let jitter: Double
    private var random: UInt64
    /// Exponent of the next backoff delay.
    private var attempt = 0
    /// Times of the restarts inside the window.
    private var restartTimes: [Double] = []
    private var stopRequested = false
    /// The error that made the supervisor drain the current process (decides the restart).
    private var pendingError: PluginError?
    /// Healthy uptime of the session being drained (from READY to its failure).
    private var drainedUptime = 0.0

    /// Creates a state machine.
    /// - Parameters:
    ///   - pluginName: for error messages.
    ///   - policy: the manifest's restart policy.
    ///   - jitter: relative jitter of each backoff delay (0.2: ±20 %).
    ///   - seed: seed of the jitter generator.
    public init(pluginName: String, policy: RestartPolicy, jitter: Double = 0.2, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) {
        self.pluginName = pluginName
        self.policy = policy
        self.jitter = min(max(jitter, 0), 1)
        self.random = seed
    }

    /// Whether the state is final (`failed` or `stopped`).
    public var isFinished: Bool { state == .failed || state == .stopped }

    // MARK: - Events

    /// The supervisor starts.
    public mutating func start(now: Double) -> [Action] {
        guard state == .idle else { return [] }
        if stopRequested {
            state = .stopped
            return []
        }
        state = .starting
        return [.spawn]
    }

    /// The process was spawned.
    public mutating func spawned(pid: Int32, now: Double) -> [Action] {
        guard state == .starting else { return [] }
        if stopRequested {
            state = .draining(pid: pid)
            return [.kill]
        }
        state = .handshaking(pid: pid)
        return []
    }

    /// The spawn failed (no process exists).
    public mutating func spawnFailed(_ error: PluginError, now: Double) -> [Action] {
        guard state == .starting else { return [] }
        lastError = error
        pendingError = error
        return decideAfterExit(status: nil, uptime: 0, now: now)
    }

    /// The handshake completed.
    public mutating func ready(now: Double) -> [Action] {
        guard case .handshaking(let pid) = state else { return [] }
        if stopRequested {
            state = .draining(pid: pid)
            return [.kill]
        }
        state = .running(pid: pid, since: now)
        return []
    }

    /// The handshake or the session failed (the process may still run).
    public mutating func connectionFailed(_ error: PluginError, now: Double) -> [Action] {
        switch state {
        case .handshaking(let pid), .running(let pid, _):
            if case .running(_, let since) = state { drainedUptime = now - since }
            lastError = error
            pendingError = error
            state = .draining(pid: pid)
            return [.kill]
        case .draining:
            if pendingError == nil, !stopRequested {
                lastError = error
                pendingError = error
            }
            return []
        default:
            return []
        }
    }

    /// The process exited and was reaped.
    public mutating func exited(status: ExitStatus, now: Double) -> [Action] {
        lastExitStatus = status
        var uptime = 0.0
        switch state {
        case .running(_, let since):
            uptime = now - since
        case .draining:
            uptime = drainedUptime
        case .handshaking:
            break
        default:
            return []
        }
        return decideAfterExit(status: status, uptime: uptime, now: now)
    }

    /// A timer from ``Action/scheduleRestart(after:)`` fired.
    public mutating func timerFired(now: Double) -> [Action] {
        guard case .backingOff(let until) = state, now >= until - 0.001 else { return [] }
        if stopRequested {
            state = .stopped
            return []
        }
        state = .starting
        return [.spawn]
    }

    /// The owner wants the module stopped for good.
    public mutating func stopRequested(now: Double) -> [Action] {
        stopRequested = true
        switch state {
        case .idle, .backingOff:
            state = .stopped
            return []
        case .handshaking(let pid), .running(let pid, _):
            if case .running(_, let since) = state { drainedUptime = now - since }
            state = .draining(pid: pid)
            return [.kill]
        default:
            return []
        }
    }

    // MARK: - Restart decision

    private mutating func decideAfterExit(status: ExitStatus?, uptime: Double, now: Double) -> [Action] {
        let error = pendingError
        pendingError = nil
        drainedUptime = 0
        if stopRequested {
            state = .stopped
            return []
        }
        if let error, !error.isRestartable {
            state = .failed
            return [.reportFailed(error)]
        }
        if let status, !status.isRestartable {
            let failure = withStatus(
                error ?? PluginError(.connectionClosed, plugin: pluginName, "the module exited"),
                status
            )
            lastError = failure
            state = .failed
            return [.reportFailed(failure)]
        }
        let cleanExit = error == nil && status?.isSuccess == true
        switch policy.policy {
        case .never:
            let failure = withStatus(
                error ?? PluginError(.connectionClosed, plugin: pluginName, "the module exited (restart policy never)"),
                status
            )
            if cleanExit {
                state = .stopped
                return []
            }
            lastError = failure
            state = .failed
            return [.reportFailed(failure)]
        case .onFailure where cleanExit:
            state = .stopped
            return []
        default:
            break
        }
        if uptime >= policy.resetAfterSeconds { attempt = 0 }
        restartTimes.removeAll { now - $0 >= policy.windowSeconds }
        if restartTimes.count >= policy.maxRestarts {
            let reason = error.map { "; last error: \($0.code): \($0.detail)" } ?? ""
            let failure = PluginError(
                .crashLoop,
                plugin: pluginName,
                "\(restartTimes.count) restarts within \(policy.windowSeconds) s (restart.maxRestarts \(policy.maxRestarts))"
                    + reason,
                exitStatus: status,
                stderrTail: error?.stderrTail ?? []
            )
            lastError = failure
            state = .failed
            return [.reportCrashLoop(failure)]
        }
        let delay = nextDelay()
        restartTimes.append(now)
        restarts += 1
        state = .backingOff(until: now + delay)
        return [.scheduleRestart(after: delay)]
    }

    private func withStatus(_ error: PluginError, _ status: ExitStatus?) -> PluginError {
        var error = error
        if error.exitStatus == nil { error.exitStatus = status }
        return error
    }

    /// The next backoff delay: `initial * 2^attempt`, capped, with jitter, clamped to the range.
    private mutating func nextDelay() -> Double {
        let initial = max(policy.initialDelaySeconds, 0)
        let maximum = max(policy.maxDelaySeconds, initial)
        var base = initial
        for _ in 0..<min(attempt, 62) where base < maximum { base *= 2 }
        base = min(base, maximum)
        attempt += 1
        let factor = 1 + jitter * (2 * nextRandom() - 1)
        return min(max(base * factor, initial), maximum)
    }

    /// SplitMix64, as a uniform Double in [0, 1).
    private mutating func nextRandom() -> Double {
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
}
