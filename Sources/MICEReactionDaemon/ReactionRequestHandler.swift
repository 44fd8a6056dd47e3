// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import MICECore
import MICECrypto
import MICEPluginManifest
import MICERecords
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Turns one received `stCipherRctMsg` into an answer: authentication, checksum, replay checks,
/// then the mode (docs/reactiondaemon.md section 3).
///
/// A request that fails any check before the mode is looked at closes the connection without an
/// answer, as in the original; nothing is executed. The modes:
/// - `MID_EXEC`: the entry of `function_id` runs its module in a fresh sandboxed process;
///   `RID_SUCCESS`, `RID_ERROR` (module failed, arguments invalid, killed), `RID_NARGS` (argument
///   count) or `RID_UNKNOWNFUNC`.
/// - `MID_CHECK {function_id}`: `RID_SUCCESS` when the table has the FID, else `RID_UNKNOWNFUNC`.
/// - `MID_SUPPORTED {supported}`: `RID_SUCCESS` when `supported` is a mode this daemon answers,
///   else `RID_UNKNOWNMODE`.
/// - `MID_SHOW`: answered with Mode `MID_SHOW` whose `show` is the number of reactions in force.
/// - `MID_ALL`: answered with Mode `MID_ALL`: up to 20 entries of `{uiID (network order), name}`
///   where the name fills the entry's `cModName` area as a NUL-terminated string.
/// - anything else: `RID_UNKNOWNMODE`.
public final class ReactionRequestHandler: Sendable {
    /// What to do with a request.
    public enum Answer: Sendable, Hashable {
        /// Send this stCipherRctMsg.
        case reply([UInt8])
        /// Close the connection without answering (the request was refused).
        case refuse(String)
    }

    /// Counters.
    public struct Statistics: Sendable, Hashable, Codable {
        /// Requests received.
        public var received = 0
        /// Refused before the mode: authentication, checksum, size.
        public var refusedAuthentication = 0
        /// Refused as replays or for their timestamp.
        public var refusedReplay = 0
        /// Reactions executed (module started).
        public var executed = 0
        /// Of those, RID_SUCCESS.
        public var succeeded = 0
        /// Killed at the wall-clock limit.
        public var timedOut = 0
    }

    let authentication: ReactionDaemonConfig.Authentication
    let cipher: LegacyTwofish?
    let architecture: ReactionArchitecture
    let replay: ReplayGuard
    let table: [UInt32: ReactionTableEntry]
    let executor: ReactionExecutor
    let active: ActiveReactions
    let calls: CallGate
    let logger: Logger
    private let stats = Mutex(Statistics())

    /// Creates a handler.
    public init(
        authentication: ReactionDaemonConfig.Authentication, cipher: LegacyTwofish?,
        architecture: ReactionArchitecture, replayWindow: Int, table: [ReactionTableEntry], executor: ReactionExecutor,
        active: ActiveReactions, maxCalls: Int, logger: Logger
    ) {
        self.authentication = authentication
        self.cipher = cipher
        self.architecture = architecture
        self.replay = ReplayGuard(window: replayWindow)
        var byID: [UInt32: ReactionTableEntry] = [:]
        for entry in table { byID[entry.entry.functionID] = entry }
        self.table = byID
        self.executor = executor
        self.active = active
        self.calls = CallGate(limit: maxCalls)
        self.logger = logger
    }

    /// The counters so far.
    public var statistics: Statistics { stats.withLock { $0 } }

    /// The modes answered.
    public static let supportedModes: Set<UInt32> = [
        ReactionMessage.MID_EXEC, ReactionMessage.MID_SHOW, ReactionMessage.MID_CHECK, ReactionMessage.MID_ALL,
        ReactionMessage.MID_SUPPORTED,
    ]

    /// Handles one envelope received on a connection.
    /// - Parameters:
    ///   - bytes: Exactly `architecture.envelopeSize` bytes.
    ///   - clock: The connection's timestamp clock.
    ///   - peer: The peer, for the log.
    /// - Returns: The answer.
    public func handle(_ bytes: [UInt8], clock: inout ReplayGuard.ConnectionClock, peer: String) async -> Answer {
        stats.withLock { $0.received += 1 }
        let inner: [UInt8]
        do {
            let envelope = try CipherMsg(
                decoding: bytes, innerSize: architecture.messageSize, recordType: "stCipherRctMsg")
            inner = try open(envelope)
        } catch {
            stats.withLock { $0.refusedAuthentication += 1 }
            return refuse("request from \(peer) refused: \(error)")
        }
        let message: ReactionMessage
        do {
            guard case .valid = try ReactionMessage.verifyChecksum(of: inner, architecture: architecture) else {
                stats.withLock { $0.refusedAuthentication += 1 }
                return refuse("request from \(peer) refused: checksum mismatch (forged, or a wrong key)")
            }
            message = try ReactionMessage(decoding: inner, architecture: architecture)
        } catch {
            stats.withLock { $0.refusedAuthentication += 1 }
            return refuse("request from \(peer) refused: \(error)")
        }
        let now = UInt32(truncatingIfNeeded: time(nil))
        if let refusal = clock.advance(to: message.timestamp)
            ?? replay.admit(
                timestamp: message.timestamp, message: inner, now: now)
        {
            stats.withLock { $0.refusedReplay += 1 }
            return refuse("request from \(peer) refused: \(refusal)")
        }
        return .reply(await answer(message, peer: peer))
    }

    private func refuse(_ reason: String) -> Answer {
        logger.warning("\(reason)")
        return .refuse(reason)
    }

    private func open(_ envelope: CipherMsg) throws -> [UInt8] {
        if envelope.isEncrypted {
            guard let cipher else { throw ReactionDaemonError(.unauthenticatedRefused, "encrypted, but no PASSWORD") }
            return try cipher.decrypt(envelope.payload, iv: envelope.iv)
        }
        // Under AUTH = tls the connection itself is authenticated (mutual TLS), so plaintext
        // envelopes are what clients send.
        guard authentication == .plaintext || authentication == .tls else {
            throw ReactionDaemonError(.unauthenticatedRefused, "plaintext (IVLen = 0) request in AUTH = twofish")
        }
        return envelope.payload
    }

    // MARK: - Modes

    private func answer(_ message: ReactionMessage, peer: String) async -> [UInt8] {
        switch message.modeData {
        case .exec(let exec) where message.mode == ReactionMessage.MID_EXEC:
            return retval(await execute(exec, peer: peer))
        case .check(let functionID):
            return retval(table[functionID] == nil ? ReactionMessage.RID_UNKNOWNFUNC : ReactionMessage.RID_SUCCESS)
        case .supported(let mode):
            return retval(
                Self.supportedModes.contains(mode) ? ReactionMessage.RID_SUCCESS : ReactionMessage.RID_UNKNOWNMODE)
        case .show:
            let count = active.current(now: Int64(time(nil))).count
            return envelope(ReactionMessage(mode: ReactionMessage.MID_SHOW, modeData: .show(UInt32(clamping: count))))
        default:
            if message.mode == ReactionMessage.MID_ALL { return envelope(allMessage()) }
            return retval(ReactionMessage.RID_UNKNOWNMODE)
        }
    }

    private func allMessage() -> ReactionMessage {
        let pointerSize = architecture == .i386 ? 4 : 8
        let entrySize = 4 + (ReactionMessage.MAX_MODNAME + 1) * pointerSize
        var bytes = [UInt8](repeating: 0, count: architecture.modeDataSize)
        for (index, entry) in table.values.sorted(by: { $0.entry.functionID < $1.entry.functionID }).prefix(
            ReactionMessage.MAX_FUNCID
        ).enumerated() {
            let base = index * entrySize
            let id = entry.entry.functionID
            for shift in 0..<4 { bytes[base + shift] = UInt8(truncatingIfNeeded: id >> (24 - 8 * UInt32(shift))) }
            let name = Array(entry.manifest.name.utf8.prefix(ReactionMessage.MAX_MODNAME))
            for (offset, byte) in name.enumerated() { bytes[base + 4 + offset] = byte }
        }
        while bytes.last == 0 { bytes.removeLast() }
        return ReactionMessage(mode: ReactionMessage.MID_ALL, modeData: .raw(bytes))
    }

    private func retval(_ code: Int32) -> [UInt8] {
        envelope(ReactionMessage(mode: ReactionMessage.MID_RETVAL, modeData: .retval(code)))
    }

    private func envelope(_ message: ReactionMessage) -> [UInt8] {
        CipherMsg.plaintext(message.encode(architecture: architecture)).encode()
    }

    private func execute(_ exec: ExecMessage, peer: String) async -> Int32 {
        let alertID = String(decoding: exec.alertID, as: UTF8.self)
        guard let entry = table[exec.functionID] else {
            logger.warning("EXEC from \(peer): unknown FID 0x\(String(exec.functionID, radix: 16))")
            return ReactionMessage.RID_UNKNOWNFUNC
        }
        let arguments: ReactionArguments
        do {
            arguments = try ReactionArguments(
                bytes: exec.argFormatString, declaredCount: exec.numberOfArgs, specs: entry.manifest.arguments)
        } catch {
            logger.warning("EXEC from \(peer) FID \(exec.functionID) refused: \(error.reason)")
            return error.code
        }
        var uid = entry.uid
        var gid = entry.gid
        if entry.entry.idsFromRequest {
            // 0 is what original clients send ("use the entry's"); root is never granted by a request.
            if exec.uidForExec != 0 { uid = exec.uidForExec }
            if exec.gidForExec != 0 { gid = exec.gidForExec }
        }
        await calls.enter()
        let outcome = await executor.run(entry, arguments: arguments.text, uid: uid, gid: gid)
        calls.leave()
        stats.withLock { stats in
            stats.executed += 1
            if outcome.code == ReactionMessage.RID_SUCCESS { stats.succeeded += 1 }
            if outcome.timedOut { stats.timedOut += 1 }
        }
        let name = ReactionMessage.returnValueName(outcome.code) ?? "\(outcome.code)"
        let line =
            "EXEC \(entry.manifest.name) [\(arguments.text)] alert \(alertID) from \(peer): \(name): \(outcome.detail)"
        if outcome.code == ReactionMessage.RID_SUCCESS { logger.notice("\(line)") } else { logger.error("\(line)") }
        if outcome.code == ReactionMessage.RID_SUCCESS, let report = outcome.report?.objectValue,
            let key = report["key"]?.stringValue
        {
            let now = Int64(time(nil))
            do {
                if report["inForce"]?.boolValue == false {
                    try active.remove(key: key, now: now)
                } else {
                    try active.record(
                        ActiveReaction(
                            key: key, functionID: exec.functionID, plugin: entry.manifest.name,
                            arguments: arguments.text, alertID: alertID, summary: outcome.detail, since: now,
                            expiresAt: report["expiresAt"]?.intValue, dryRun: report["dryRun"]?.boolValue ?? false),
                        now: now)
                }
            } catch {
                logger.error("\(error)")
            }
        }
        return outcome.code
    }
}
