// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// One record received on a link, handed to the application (BufferDaemon) by ``LinkServer``.
///
/// In acked mode the application calls ``acknowledge()`` once the record is durable (written to
/// the raw-log database, handed to the next stage that keeps it); only then may the sender forget
/// it. Acknowledgements may come in any order and from any task; the server turns them into
/// cumulative ACK frames, coalesced. For a batch committed in order, `acknowledge(includingEarlier: true)`
/// on its last record covers the whole batch. Every record handed out must be acknowledged once, also one
/// the application decides to drop, or the sender's watermark cannot move past it.
///
/// In legacy mode there are no acknowledgements: ``sequence`` is 0 and ``acknowledge()`` does nothing.
public struct LinkRecord: Sendable {
    /// The record's bytes, exactly as on the legacy wire (e.g. one 1712- or 6632-byte CipherMsg).
    public let bytes: [UInt8]
    /// The sender's sequence number (≥ 1) in acked mode; 0 in legacy mode.
    public let sequence: UInt64
    /// The sender's identity (acked mode: LINK_HELLO's `sender`; legacy: `legacy:` and the peer address).
    /// With ``sequence`` it names the record uniquely: an application that stores the highest
    /// sequence per sender with its data can answer ``LinkServer/Configuration/durableSequence``.
    public let sender: String
    private let ledger: SenderLedger?

    init(bytes: [UInt8], sequence: UInt64, sender: String, ledger: SenderLedger?) {
        self.bytes = bytes
        self.sequence = sequence
        self.sender = sender
        self.ledger = ledger
    }

    /// Reports the record durable. Idempotent; does nothing in legacy mode.
    /// - Parameter includingEarlier: also report every earlier record of this sender durable: one
    ///   call for a batch that was committed in order (say, one database transaction), instead of one
    ///   per record.
    public func acknowledge(includingEarlier: Bool = false) {
        if includingEarlier {
            ledger?.acknowledge(through: sequence)
        } else {
            ledger?.acknowledge(sequence)
        }
    }
}
