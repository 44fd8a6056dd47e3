// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import DequeModule
import Synchronization

/// What a ``LinkServer`` knows about one sender (acked mode), shared by all its connections.
///
/// - `durable`: every record up to it is acknowledged by the application; LINK_READY and ACK report it.
/// - `handedOut`: the highest sequence handed to the application. A record at or below it is a
///   duplicate (a resend after reconnect) and is skipped, so the application sees each record once
///   per server process. Across server restarts the application's
///   ``LinkServer/Configuration/durableSequence`` answer seeds both.
///
/// Acknowledgements may arrive out of order: `outstanding` holds the handed-out sequences in order,
/// `acknowledgedAhead` those acknowledged while an earlier one is still open.
final class SenderLedger: Sendable {
    private struct State {
        var durable: UInt64
        var handedOut: UInt64
        var outstanding: Deque<UInt64> = []
        var acknowledgedAhead: Set<UInt64> = []
    }

    let sender: String
    private let state: Mutex<State>
    /// Notified whenever `durable` advances; connection ACK writers wait on it.
    let durableChanged = ChangeSignal()
    /// Held from a record's admission until the application took it (``LinkServer``).
    let delivery = DeliveryLock()

    init(sender: String, durable: UInt64) {
        self.sender = sender
        self.state = Mutex(State(durable: durable, handedOut: durable))
    }

    /// The highest sequence such that it and all before it are durable.
    var durable: UInt64 { state.withLock { $0.durable } }

    /// Admits a received sequence number: true when it is new and handed out now, false for a duplicate.
    func admit(_ sequence: UInt64) -> Bool {
        state.withLock { state in
            guard sequence > state.handedOut else { return false }
            state.handedOut = sequence
            state.outstanding.append(sequence)
            return true
        }
    }

    /// Whether every record handed out up to `sequence` is durable.
    func isDurable(through sequence: UInt64) -> Bool {
        state.withLock { $0.durable >= sequence || $0.outstanding.first.map { $0 > sequence } ?? true }
    }

    /// Marks every handed-out record up to `sequence` durable (a batch committed in order).
    func acknowledge(through sequence: UInt64) {
        let advanced = state.withLock { state -> Bool in
            guard sequence > state.durable else { return false }
            var moved = false
            while let next = state.outstanding.first, next <= sequence {
                state.outstanding.removeFirst()
                state.acknowledgedAhead.remove(next)
                state.durable = next
                moved = true
            }
            while let next = state.outstanding.first, state.acknowledgedAhead.remove(next) != nil {
                state.outstanding.removeFirst()
                state.durable = next
                moved = true
            }
            if state.outstanding.isEmpty, state.handedOut > state.durable {
                state.durable = state.handedOut
                moved = true
            }
            return moved
        }
        if advanced { durableChanged.notify() }
    }

    func acknowledge(_ sequence: UInt64) {
        let advanced = state.withLock { state -> Bool in
            guard sequence > state.durable else { return false }
            if state.outstanding.first == sequence {
                state.outstanding.removeFirst()
                state.durable = sequence
                while let next = state.outstanding.first, state.acknowledgedAhead.remove(next) != nil {
                    state.outstanding.removeFirst()
                    state.durable = next
                }
                if state.outstanding.isEmpty { state.durable = max(state.durable, state.handedOut) }
                return true
            }
            state.acknowledgedAhead.insert(sequence)
            return false
        }
        if advanced { durableChanged.notify() }
    }
}
