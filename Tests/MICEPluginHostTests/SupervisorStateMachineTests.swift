// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginHost
import MICEPluginManifest
import Testing

@Suite("SupervisorStateMachine (fake clock, no processes)")
struct SupervisorStateMachineTests {
    typealias Machine = SupervisorStateMachine

    static func policy(
        _ policy: RestartPolicy.Policy = .onFailure,
        maxRestarts: Int = 3,
        window: Double = 60,
        resetAfter: Double = 30
    ) -> RestartPolicy {
        RestartPolicy(
            policy: policy,
            initialDelaySeconds: 0.5,
            maxDelaySeconds: 4,
            resetAfterSeconds: resetAfter,
            maxRestarts: maxRestarts,
            windowSeconds: window
        )
    }

    static let crash = PluginError(.connectionClosed, plugin: "p", "the module closed its stdout")

    /// Runs the machine to `running` at `now`.
    static func running(_ machine: inout Machine, now: Double, pid: Int32 = 100) {
        if machine.state == .idle {
            #expect(machine.start(now: now) == [.spawn])
        }
        #expect(machine.spawned(pid: pid, now: now) == [])
        #expect(machine.ready(now: now) == [])
        #expect(machine.state == .running(pid: pid, since: now))
    }

    /// A crash while running: connection fails, kill, exit 1; returns the actions after the exit.
    static func crash(_ machine: inout Machine, now: Double) -> [Machine.Action] {
        #expect(machine.connectionFailed(crash, now: now) == [.kill])
        return machine.exited(status: .exited(1), now: now)
    }

    @Test("start → spawn → handshaking → running")
    func happyPath() {
        var machine = Machine(pluginName: "p", policy: Self.policy())
        #expect(machine.state == .idle)
        #expect(machine.start(now: 0) == [.spawn])
        #expect(machine.state == .starting)
        #expect(machine.spawned(pid: 42, now: 0.1) == [])
        #expect(machine.state == .handshaking(pid: 42))
        #expect(machine.ready(now: 0.2) == [])
        #expect(machine.state == .running(pid: 42, since: 0.2))
    }

    @Test("backoff doubles from initial to max without jitter")
    func exponentialBackoff() {
        var machine = Machine(pluginName: "p", policy: Self.policy(maxRestarts: 10), jitter: 0)
        var now = 0.0
        var delays: [Double] = []
        for _ in 0..<6 {
            Self.running(&machine, now: now)
            let actions = Self.crash(&machine, now: now + 1)
            guard case .scheduleRestart(let delay) = actions.first else {
                Issue.record("expected a restart, got \(actions)")
                return
            }
            delays.append(delay)
            now += 1 + delay
            #expect(machine.timerFired(now: now) == [.spawn])
        }
        #expect(delays == [0.5, 1, 2, 4, 4, 4])
        #expect(machine.restarts == 6)
    }

    @Test("jitter stays within ±20 % and inside [initial, max]")
    func jitterBounds() {
        for seed in UInt64(1)...50 {
            var machine = Machine(pluginName: "p", policy: Self.policy(maxRestarts: 100), jitter: 0.2, seed: seed)
            var now = 0.0
            for step in 0..<5 {
                Self.running(&machine, now: now)
                guard case .scheduleRestart(let delay) = Self.crash(&machine, now: now).first else {
                    Issue.record("expected a restart")
                    return
                }
                let base = min(0.5 * Double(1 << step), 4)
                #expect(delay >= max(base * 0.8, 0.5) - 1e-9 && delay <= min(base * 1.2, 4) + 1e-9)
                now += delay
                _ = machine.timerFired(now: now)
            }
        }
    }

    @Test("more than maxRestarts within the window is a crash loop: failed, reported once")
    func crashLoop() {
        var machine = Machine(pluginName: "p", policy: Self.policy(maxRestarts: 3, window: 60), jitter: 0)
        var now = 0.0
        for _ in 0..<3 {
            Self.running(&machine, now: now)
            guard case .scheduleRestart(let delay) = Self.crash(&machine, now: now + 0.1).first else {
                Issue.record("expected a restart")
                return
            }
            now += 0.1 + delay
            #expect(machine.timerFired(now: now) == [.spawn])
        }
        Self.running(&machine, now: now)
        let actions = Self.crash(&machine, now: now + 0.1)
        guard case .reportCrashLoop(let error) = actions.first, actions.count == 1 else {
            Issue.record("expected a crash loop, got \(actions)")
            return
        }
        #expect(error.code == .crashLoop)
        #expect(machine.state == .failed)
        #expect(machine.isFinished)
        #expect(machine.lastError?.code == .crashLoop)
        #expect(machine.timerFired(now: now + 100) == [])
        #expect(machine.exited(status: .exited(1), now: now + 100) == [])
    }

    @Test("restarts older than the window do not count")
    func windowSlides() {
        var machine = Machine(
            pluginName: "p", policy: Self.policy(maxRestarts: 2, window: 10, resetAfter: 1000), jitter: 0)
        var now = 0.0
        for _ in 0..<6 {
            Self.running(&machine, now: now)
            guard case .scheduleRestart(let delay) = Self.crash(&machine, now: now + 6).first else {
                Issue.record("expected a restart at \(now)")
                return
            }
            now += 6 + delay
            _ = machine.timerFired(now: now)
        }
        #expect(machine.restarts == 6)
    }

    @Test("backoff resets after resetAfterSeconds of healthy running")
    func resetAfterHealthy() {
        var machine = Machine(pluginName: "p", policy: Self.policy(maxRestarts: 10, resetAfter: 30), jitter: 0)
        Self.running(&machine, now: 0)
        #expect(Self.crash(&machine, now: 1) == [.scheduleRestart(after: 0.5)])
        _ = machine.timerFired(now: 1.5)
        Self.running(&machine, now: 1.5)
        #expect(Self.crash(&machine, now: 2) == [.scheduleRestart(after: 1)])
        _ = machine.timerFired(now: 3)
        Self.running(&machine, now: 3)
        #expect(Self.crash(&machine, now: 40) == [.scheduleRestart(after: 0.5)])
    }

    @Test("exit codes 64 and 78 are never restarted", arguments: [Int32(64), 78])
    func notRestartable(code: Int32) {
        var machine = Machine(pluginName: "p", policy: Self.policy(.always))
        _ = machine.start(now: 0)
        _ = machine.spawned(pid: 1, now: 0)
        let actions = machine.exited(status: .exited(code), now: 1)
        guard case .reportFailed(let error) = actions.first else {
            Issue.record("expected failed, got \(actions)")
            return
        }
        #expect(error.exitStatus == .exited(code))
        #expect(machine.state == .failed)
    }

    @Test("version mismatch and rejected configuration are never restarted")
    func notRestartableErrors() {
        for code in [PluginError.Code.versionMismatch, .configurationRejected] {
            var machine = Machine(pluginName: "p", policy: Self.policy(.always))
            _ = machine.start(now: 0)
            _ = machine.spawned(pid: 1, now: 0)
            #expect(machine.connectionFailed(PluginError(code, plugin: "p", "x"), now: 0) == [.kill])
            let actions = machine.exited(status: .exited(76), now: 0.1)
            #expect(actions == [.reportFailed(PluginError(code, plugin: "p", "x"))])
            #expect(machine.state == .failed)
        }
    }

    @Test("policy on-failure: a clean exit 0 stops; a session error before exit 0 restarts")
    func onFailure() {
        var clean = Machine(pluginName: "p", policy: Self.policy(.onFailure))
        Self.running(&clean, now: 0)
        #expect(clean.exited(status: .exited(0), now: 1) == [])
        #expect(clean.state == .stopped)

        var hung = Machine(pluginName: "p", policy: Self.policy(.onFailure), jitter: 0)
        Self.running(&hung, now: 0)
        #expect(hung.connectionFailed(PluginError(.unhealthy, plugin: "p", "no PONG"), now: 1) == [.kill])
        #expect(hung.exited(status: .exited(0), now: 1.1) == [.scheduleRestart(after: 0.5)])
    }

    @Test("policy always restarts after exit 0; policy never fails after a crash")
    func alwaysAndNever() {
        var always = Machine(pluginName: "p", policy: Self.policy(.always), jitter: 0)
        Self.running(&always, now: 0)
        #expect(always.exited(status: .exited(0), now: 1) == [.scheduleRestart(after: 0.5)])

        var never = Machine(pluginName: "p", policy: Self.policy(.never))
        Self.running(&never, now: 0)
        guard case .reportFailed = Self.crash(&never, now: 1).first else {
            Issue.record("expected failed")
            return
        }
        #expect(never.state == .failed)
        #expect(never.restarts == 0)
    }

    @Test("stop while running drains, then stops; stop while backing off stops at once")
    func stop() {
        var machine = Machine(pluginName: "p", policy: Self.policy(.always))
        Self.running(&machine, now: 0)
        #expect(machine.stopRequested(now: 1) == [.kill])
        #expect(machine.state == .draining(pid: 100))
        #expect(machine.connectionFailed(Self.crash, now: 1.1) == [])
        #expect(machine.exited(status: .signaled(15), now: 1.2) == [])
        #expect(machine.state == .stopped)

        var backingOff = Machine(pluginName: "p", policy: Self.policy(.always), jitter: 0)
        Self.running(&backingOff, now: 0)
        _ = Self.crash(&backingOff, now: 1)
        #expect(backingOff.stopRequested(now: 1.1) == [])
        #expect(backingOff.state == .stopped)
        #expect(backingOff.timerFired(now: 5) == [])
    }

    @Test("stop during spawn kills the process as soon as it exists")
    func stopWhileStarting() {
        var machine = Machine(pluginName: "p", policy: Self.policy(.always))
        _ = machine.start(now: 0)
        #expect(machine.stopRequested(now: 0) == [])
        #expect(machine.spawned(pid: 7, now: 0.1) == [.kill])
        #expect(machine.exited(status: .signaled(9), now: 0.2) == [])
        #expect(machine.state == .stopped)
    }

    @Test("spawn failures back off like crashes and end in a crash loop")
    func spawnFailures() {
        var machine = Machine(pluginName: "p", policy: Self.policy(maxRestarts: 2), jitter: 0)
        let error = PluginError(.spawnFailed, plugin: "p", "no such file")
        #expect(machine.start(now: 0) == [.spawn])
        #expect(machine.spawnFailed(error, now: 0) == [.scheduleRestart(after: 0.5)])
        #expect(machine.timerFired(now: 0.5) == [.spawn])
        #expect(machine.spawnFailed(error, now: 0.5) == [.scheduleRestart(after: 1)])
        #expect(machine.timerFired(now: 1.5) == [.spawn])
        guard case .reportCrashLoop = machine.spawnFailed(error, now: 1.5).first else {
            Issue.record("expected a crash loop")
            return
        }
    }

    @Test("an early timer does nothing")
    func earlyTimer() {
        var machine = Machine(pluginName: "p", policy: Self.policy(), jitter: 0)
        Self.running(&machine, now: 0)
        _ = Self.crash(&machine, now: 1)
        #expect(machine.timerFired(now: 1.2) == [])
        #expect(machine.timerFired(now: 1.5) == [.spawn])
    }
}
