// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import CMICESpawn
import DequeModule
import Logging
import MICEPluginManifest
import MICEWire
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The I/O engine of a ``PluginConnection``: one reader thread, one writer thread, one mutex.
///
/// - The **writer thread** owns the module's stdin (non-blocking). It takes work from the shared
///   state under the mutex (control frames first, then as many queued CALLs as the pipelining
///   window allows), writes it outside the mutex, and sleeps in `poll` on an eventfd when there
///   is nothing to do or no window left. Its poll timeout drives the request timeouts and the
///   heartbeat, so no timer task is needed.
/// - The **reader thread** owns stdout. It reads chunks of 256 KiB into one reused buffer and
///   feeds them to the zero-copy `FrameDecoder`; replies go straight into their batch's storage.
///   It takes the mutex once per chunk (not per reply) to return window credits and hand back
///   completed batches, whose continuations it then resumes: one per batch.
///
/// Every failure, from either thread or from the async side, goes through ``fail(_:)``: the first
/// error wins, every queued batch is failed, the writer closes stdin, and ``closed`` is fulfilled.
final class ConnectionCore: @unchecked Sendable {
    // `@unchecked Sendable`: the immutable members are set in init; `shared` is a Mutex; the
    // reader-only and writer-only state lives in the two threads' own stack frames.

    enum Phase: Sendable {
        case hello, configuring, running
    }

    struct Shared {
        var unsent = Deque<CallBatch>()
        var awaiting = Deque<CallBatch>()
        var credits: Int
        var control: [UInt8] = []
        var closeRequested = false
        /// Written once no call is half-written, just before stdin is closed (SHUTDOWN, ERROR).
        var finalFrame: [UInt8]?
        var failure: PluginError?
        var writerAlive = true
        var writerSleeping = false
        var lastReceived: Double
        var lastProgress: Double
        var missedPings = 0
        var pingCounter: UInt64 = 0
        var heartbeatSeconds: Double = 0
        var negotiatedMaxFrameBytes = FrameDecoder.defaultMaxFrameBytes
        var statistics = PluginConnection.Statistics()
    }

    let pluginName: String
    let kind: ModuleKind
    let mode: ProtocolSettings.Mode
    let maxInFlight: Int
    let requestSeconds: Double
    let hostMaxFrameBytes: Int
    private let stdinFD: Int32
    private let stdoutFD: Int32
    private let wakeFD: Int32
    let logger: Logger

    let shared: Mutex<Shared>
    private let nextID = Atomic<UInt64>(1)

    let hello = OneShot<Result<HelloMessage, PluginError>>()
    let ready = OneShot<Result<ReadyMessage, PluginError>>()
    /// Why the session ended; fulfilled once.
    let closed = OneShot<PluginError>()
    let readerFinished = OneShot<Void>()
    let writerFinished = OneShot<Void>()

    /// Takes ownership of the three fds (the eventfd too). Call ``start()`` next.
    init(
        pluginName: String,
        kind: ModuleKind,
        settings: ProtocolSettings,
        requestSeconds: Double,
        stdin: Int32,
        stdout: Int32,
        wake: Int32,
        logger: Logger
    ) {
        self.pluginName = pluginName
        self.kind = kind
        self.mode = settings.mode
        self.maxInFlight = max(settings.maxInFlight, 1)
        self.requestSeconds = requestSeconds
        self.hostMaxFrameBytes = min(max(settings.maxFrameBytes, 4096), FrameDecoder.hardMaxFrameBytes)
        self.stdinFD = stdin
        self.stdoutFD = stdout
        self.wakeFD = wake
        self.logger = logger
        let now = Monotonic.now()
        self.shared = Mutex(Shared(credits: max(settings.maxInFlight, 1), lastReceived: now, lastProgress: now))
    }

    /// Starts the two threads. Returns false (and fails the connection) if a thread cannot start.
    func start() -> Bool {
        guard DetachedThread.start({ [self] in self.writerLoop() }) else {
            close(stdinFD)
            close(wakeFD)
            close(stdoutFD)
            fail(PluginError(.spawnFailed, plugin: pluginName, "cannot start the writer thread"))
            return false
        }
        guard DetachedThread.start({ [self] in self.readerLoop() }) else {
            close(stdoutFD)
            fail(PluginError(.spawnFailed, plugin: pluginName, "cannot start the reader thread"))
            return false
        }
        return true
    }

    // MARK: - Submission (any thread)

    /// Reserves `count` consecutive request ids.
    func reserveIDs(_ count: Int) -> UInt64 {
        nextID.wrappingAdd(UInt64(count), ordering: .relaxed).oldValue
    }

    /// The frame limit in force (1 MiB until HELLO, then the negotiated one).
    var maxFrameBytes: Int { shared.withLock { $0.negotiatedMaxFrameBytes } }

    /// Queues `batch`; its continuation is resumed when it completes or fails.
    func submit(_ batch: CallBatch) {
        let failure: PluginError? = shared.withLock { state in
            if let failure = state.failure { return failure }
            if state.closeRequested {
                return PluginError(.connectionClosed, plugin: pluginName, "the connection is shutting down")
            }
            state.unsent.append(batch)
            wakeWriterLocked(&state)
            return nil
        }
        if let failure {
            batch.failure = failure
            batch.continuation?.resume()
        }
    }

    /// Queues a control frame (written before any further CALL).
    func sendControl(_ bytes: [UInt8]) {
        shared.withLock { state in
            guard state.failure == nil, !state.closeRequested else { return }
            state.control.append(contentsOf: bytes)
            wakeWriterLocked(&state)
        }
    }

    /// Starts the heartbeat (after READY) and wakes the writer so that it schedules the first PING.
    func enableHeartbeat(seconds: Double) {
        shared.withLock { state in
            state.heartbeatSeconds = max(seconds, 0)
            state.lastReceived = Monotonic.now()
            wakeWriterLocked(&state, force: true)
        }
    }

    /// Asks the writer to write `finalFrame` (if any) and close stdin; queued calls not written
    /// yet fail, calls written already still get their replies.
    func requestClose(finalFrame: [UInt8]) {
        let dropped: [CallBatch] = shared.withLock { state in
            guard state.failure == nil, !state.closeRequested else { return [] }
            state.finalFrame = finalFrame
            state.closeRequested = true
            var dropped: [CallBatch] = []
            while let batch = state.unsent.last, batch.writtenCalls == 0 {
                state.unsent.removeLast()
                dropped.append(batch)
            }
            wakeWriterLocked(&state)
            return dropped
        }
        let error = PluginError(
            .connectionClosed, plugin: pluginName, "the connection was shut down before the call was sent")
        for batch in dropped {
            batch.failure = error
            batch.continuation?.resume()
        }
    }

    /// Ends the session with `error` (the first error wins): fails every queued batch, stops the
    /// writer (which closes stdin) and fulfills ``closed``.
    func fail(_ error: PluginError) {
        let batches: [CallBatch]? = shared.withLock { state in
            guard state.failure == nil else { return nil }
            state.failure = error
            var batches = Array(state.awaiting)
            for batch in state.unsent where !batches.contains(where: { $0 === batch }) { batches.append(batch) }
            state.awaiting.removeAll()
            state.unsent.removeAll()
            wakeWriterLocked(&state, force: true)
            return batches
        }
        guard let batches else { return }
        hello.fulfill(.failure(error))
        ready.fulfill(.failure(error))
        closed.fulfill(error)
        for batch in batches {
            batch.failure = error
            batch.continuation?.resume()
        }
    }

    /// Wakes the writer through the eventfd. Only while the writer is alive (it closes the
    /// eventfd when it ends, under this mutex), so a stale fd number is never written to.
    private func wakeWriterLocked(_ state: inout Shared, force: Bool = false) {
        guard state.writerAlive, state.writerSleeping || force else { return }
        state.writerSleeping = false
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    // MARK: - Writer thread

    private enum WriterWork {
        case write(CallBatch?, [UInt8]?, start: Int, end: Int)
        case sleep(timeoutMilliseconds: Int32)
        case fail(PluginError)
        case exit
    }

    private func writerLoop() {
        var iterations = 0
        defer { writerFinished.fulfill(()) }
        while true {
            iterations &+= 1
            let now = Monotonic.now()
            let checkTimers = iterations & 63 == 0
            let work: WriterWork = shared.withLock { state in
                state.writerSleeping = false
                if state.failure != nil {
                    return exitWriterLocked(&state)
                }
                if !state.control.isEmpty {
                    let bytes = state.control
                    state.control = []
                    return .write(nil, bytes, start: 0, end: bytes.count)
                }
                if state.closeRequested, state.unsent.first.map({ $0.writtenCalls == 0 }) ?? true {
                    if let final = state.finalFrame {
                        state.finalFrame = nil
                        return .write(nil, final, start: 0, end: final.count)
                    }
                    return exitWriterLocked(&state)
                }
                if checkTimers, case .fail(let error) = timersLocked(&state, now: now) {
                    return .fail(error)
                }
                if state.credits > 0, let batch = state.unsent.first {
                    if batch.writtenCalls == 0 { state.awaiting.append(batch) }
                    if state.credits == maxInFlight { state.lastProgress = now }
                    let calls = min(state.credits, batch.count - batch.writtenCalls)
                    state.credits -= calls
                    let start = batch.writtenBytes
                    let end =
                        calls == batch.count - batch.writtenCalls
                        ? batch.bytes.count : endOffset(of: batch, after: calls)
                    batch.writtenCalls += calls
                    batch.writtenBytes = end
                    if batch.writtenCalls == batch.count {
                        state.unsent.removeFirst()
                        batch.fullyWrittenAt = now
                    }
                    state.statistics.callsSent += calls
                    return .write(batch, nil, start: start, end: end)
                }
                switch timersLocked(&state, now: now) {
                case .fail(let error):
                    return .fail(error)
                case .sleep(let timeout):
                    if !state.control.isEmpty { return .sleep(timeoutMilliseconds: 0) }
                    state.writerSleeping = true
                    return .sleep(timeoutMilliseconds: timeout)
                default:
                    return .sleep(timeoutMilliseconds: 0)
                }
            }
            switch work {
            case .exit:
                return
            case .fail(let error):
                fail(error)
            case .sleep(let timeout):
                if timeout != 0 { waitForWake(timeoutMilliseconds: timeout) }
            case .write(let batch, let control, let start, let end):
                let ok: Bool
                if let batch {
                    ok = batch.bytes.withUnsafeBytes { writeAll(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
                } else {
                    ok = control!.withUnsafeBytes { writeAll($0) }
                }
                if !ok {
                    // While shutting down, the reader's end of file decides how the session ended
                    // (replies may still be in the pipe); otherwise a closed stdin ends it now.
                    let closing = shared.withLock { state -> Bool in
                        guard state.closeRequested else { return false }
                        _ = exitWriterLocked(&state)
                        return true
                    }
                    if closing { return }
                    fail(PluginError(.connectionClosed, plugin: pluginName, "the module closed its stdin"))
                }
            }
        }
    }

    /// Closes stdin and the eventfd; called with the mutex held, as the writer's last act.
    private func exitWriterLocked(_ state: inout Shared) -> WriterWork {
        state.writerAlive = false
        close(stdinFD)
        close(wakeFD)
        return .exit
    }

    /// Byte offset just after the next `calls` calls of `batch`.
    private func endOffset(of batch: CallBatch, after calls: Int) -> Int {
        batch.bytes.withUnsafeBytes { bytes in
            var offset = batch.writtenBytes
            if mode == .lines {
                var left = calls
                while left > 0, offset < bytes.count {
                    guard let newline = bytes[offset...].firstIndex(of: 0x0A) else { return bytes.count }
                    offset = newline + 1
                    left -= 1
                }
                return offset
            }
            for _ in 0..<calls {
                let length = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                offset += FrameHeader.size + Int(length)
            }
            return offset
        }
    }

    /// Checks the request timeouts and the heartbeat; queues a PING when one is due.
    private func timersLocked(_ state: inout Shared, now: Double) -> WriterWork {
        var deadline = Double.infinity
        let outstanding = maxInFlight - state.credits
        if outstanding > 0, requestSeconds > 0 {
            let stalled = now - state.lastProgress
            if stalled >= requestSeconds {
                return .fail(
                    PluginError(
                        .requestTimeout,
                        plugin: pluginName,
                        "\(outstanding) calls got no reply for \(Self.format(stalled)) s (limit \(Self.format(requestSeconds)) s)"
                    )
                )
            }
            deadline = state.lastProgress + requestSeconds
            for batch in state.awaiting where batch.fullyWrittenAt.isFinite {
                if now - batch.fullyWrittenAt >= requestSeconds {
                    return .fail(
                        PluginError(
                            .requestTimeout,
                            plugin: pluginName,
                            "a call got no reply within \(Self.format(requestSeconds)) s"
                        )
                    )
                }
                deadline = min(deadline, batch.fullyWrittenAt + requestSeconds)
            }
        }
        if state.heartbeatSeconds > 0 {
            let due = state.lastReceived + state.heartbeatSeconds * Double(state.missedPings + 1)
            if now >= due {
                if state.missedPings >= 3 {
                    return .fail(
                        PluginError(
                            .unhealthy,
                            plugin: pluginName,
                            "no PONG to \(state.missedPings) PINGs (heartbeat \(Self.format(state.heartbeatSeconds)) s)"
                        )
                    )
                }
                state.missedPings += 1
                state.pingCounter += 1
                state.statistics.pingsSent += 1
                FrameEncoder.appendHeader(
                    FrameHeader(length: 0, type: .ping, id: state.pingCounter),
                    to: &state.control
                )
                return .sleep(timeoutMilliseconds: 0)
            }
            deadline = min(deadline, due)
        }
        guard deadline.isFinite else { return .sleep(timeoutMilliseconds: -1) }
        let milliseconds = ((deadline - now) * 1000).rounded(.up)
        return .sleep(timeoutMilliseconds: Int32(min(max(milliseconds, 1), 60_000)))
    }

    private func waitForWake(timeoutMilliseconds: Int32) {
        var descriptor = pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, timeoutMilliseconds)
        var counter: UInt64 = 0
        _ = read(wakeFD, &counter, 8)
    }

    /// Writes all of `bytes` to the non-blocking stdin; while the pipe is full, polls it together
    /// with the eventfd (to notice a failure) and checks the timers every 100 ms.
    private func writeAll(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var offset = 0
        while offset < bytes.count {
            let written = write(stdinFD, base + offset, bytes.count - offset)
            if written > 0 {
                offset += written
                continue
            }
            if written < 0, errno == EINTR { continue }
            guard written < 0, errno == EAGAIN else { return false }
            var descriptors = [
                pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0),
                pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
            ]
            _ = poll(&descriptors, 2, 100)
            if descriptors[1].revents != 0 {
                var counter: UInt64 = 0
                _ = read(wakeFD, &counter, 8)
            }
            let now = Monotonic.now()
            let verdict: WriterWork? = shared.withLock { state in
                if state.failure != nil { return .exit }
                if case .fail(let error) = timersLocked(&state, now: now) { return .fail(error) }
                return nil
            }
            switch verdict {
            case .exit:
                return true
            case .fail(let error):
                fail(error)
                return true
            default:
                continue
            }
        }
        shared.withLock { $0.statistics.bytesSent += bytes.count }
        return true
    }

    // MARK: - Reader thread

    private struct ReaderState {
        /// A frame limit to apply after this chunk (set by HELLO).
        var newLimit: Int?
        var phase: Phase
        var checkedPrefix = 0
        var cached: CallBatch?
        var completed: [CallBatch] = []
        var replies = 0
        var received = false
        var unknownFrames = 0
        var line: [UInt8] = []
        var lineOverflow = false
        var lineBatch: CallBatch?
        var lineIndex = 0
    }

    private func readerLoop() {
        let capacity = 256 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        var state = ReaderState(phase: mode == .lines ? .running : .hello)
        var decoder = FrameDecoder()
        defer {
            buffer.deallocate()
            close(stdoutFD)
            readerFinished.fulfill(())
        }
        while true {
            let count = read(stdoutFD, buffer.baseAddress, capacity)
            if count < 0 {
                if errno == EINTR { continue }
                fail(PluginError(.connectionClosed, plugin: pluginName, "read from stdout: \(Self.errnoText())"))
                return
            }
            if count == 0 {
                let error: PluginError
                if decoder.hasPartialFrame {
                    error = PluginError(
                        .truncatedFrame,
                        plugin: pluginName,
                        "stdout ended inside a frame after \(decoder.bufferedByteCount) bytes of it"
                    )
                } else {
                    error = PluginError(.connectionClosed, plugin: pluginName, "the module closed its stdout")
                }
                fail(error)
                return
            }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            do {
                if mode == .lines {
                    try processLines(chunk, &state)
                } else {
                    if state.phase == .hello, state.checkedPrefix < FrameHeader.size {
                        if let bad = checkHelloPrefix(chunk, &state) {
                            fail(nonProtocolOutput(firstChunk: bad))
                            return
                        }
                    }
                    try decoder.decode(chunk) { header, payload in
                        try handleFrame(header, payload, &state)
                    }
                    if let limit = state.newLimit {
                        decoder.maxFrameBytes = limit
                        state.newLimit = nil
                    }
                }
            } catch let error as PluginError {
                fail(error)
                return
            } catch let error as WireError {
                let code: PluginError.Code = error.code == .frameTooLarge ? .frameTooLarge : .protocolViolation
                fail(PluginError(code, plugin: pluginName, error.description))
                return
            } catch {
                fail(PluginError(.protocolViolation, plugin: pluginName, "\(error)"))
                return
            }
            finishChunk(&state)
        }
    }

    /// Returns the credits of the replies in this chunk and resumes completed batches.
    private func finishChunk(_ state: inout ReaderState) {
        let now = Monotonic.now()
        let replies = state.replies
        let unknown = state.unknownFrames
        state.replies = 0
        state.unknownFrames = 0
        var resumable: [CallBatch] = []
        shared.withLock { shared in
            shared.lastReceived = now
            shared.missedPings = 0
            shared.statistics.unknownFrames += unknown
            guard replies > 0 || !state.completed.isEmpty else { return }
            shared.credits = min(shared.credits + replies, maxInFlight)
            shared.lastProgress = now
            shared.statistics.repliesReceived += replies
            for batch in state.completed {
                if let index = shared.awaiting.firstIndex(where: { $0 === batch }) {
                    shared.awaiting.remove(at: index)
                    resumable.append(batch)
                }
            }
            if !shared.unsent.isEmpty { wakeWriterLocked(&shared) }
        }
        state.completed.removeAll(keepingCapacity: true)
        for batch in resumable { batch.continuation?.resume() }
    }

    /// Finds the batch that holds `id` (cached: replies usually come in order).
    @inline(__always)
    private func batch(for id: UInt64, _ state: inout ReaderState) -> CallBatch? {
        if let cached = state.cached, cached.contains(id) { return cached }
        let found = shared.withLock { shared in shared.awaiting.first(where: { $0.contains(id) }) }
        state.cached = found
        return found
    }

    private func handleFrame(_ header: FrameHeader, _ payload: UnsafeRawBufferPointer, _ state: inout ReaderState)
        throws
    {
        if header.type == .reply, state.phase == .running {
            guard let batch = batch(for: header.id, &state) else {
                if shared.withLock({ $0.closeRequested }) { return }
                throw violation("REPLY with id \(header.id), which is not a call in flight")
            }
            let index = Int(header.id &- batch.firstID)
            guard payload.count >= 4 else { throw violation("REPLY \(header.id) is \(payload.count) bytes, needs 4") }
            guard batch.markAnswered(index) else { throw violation("second answer to call \(header.id)") }
            batch.returnValues[index] = Int32(
                bitPattern: UInt32(bigEndian: payload.loadUnaligned(as: UInt32.self))
            )
            if batch.keepsData, payload.count > 4 {
                batch.data[index] = Array(UnsafeRawBufferPointer(rebasing: payload[4...]))
            }
            state.replies += 1
            if batch.remaining == 0 {
                state.completed.append(batch)
                state.cached = nil
            }
            return
        }
        switch header.type {
        case .pong where state.phase == .running:
            let last = shared.withLock { $0.pingCounter }
            guard header.id >= 1, header.id <= last else { throw violation("PONG \(header.id) answers no PING") }
        case .error:
            try handleError(header, payload, &state)
        case .hello where state.phase == .hello:
            let message: HelloMessage
            do {
                message = try ControlCoding.decode(HelloMessage.self, from: payload, frame: .hello)
            } catch {
                throw PluginError(
                    .nonProtocolOutput,
                    plugin: pluginName,
                    "plugin wrote non-protocol output to stdout: HELLO payload is not a HELLO object: "
                        + Self.printable(payload, limit: 256)
                )
            }
            guard message.protocol == PluginProtocol.magic else {
                throw PluginError(
                    .nonProtocolOutput,
                    plugin: pluginName,
                    "plugin wrote non-protocol output to stdout: HELLO names protocol \(message.protocol)"
                )
            }
            let limit = min(hostMaxFrameBytes, max(message.maxFrameBytes ?? FrameDecoder.defaultMaxFrameBytes, 0))
            state.newLimit = limit
            shared.withLock { $0.negotiatedMaxFrameBytes = limit }
            state.phase = .configuring
            hello.fulfill(.success(message))
        case .ready where state.phase == .configuring:
            let message = try decodeControl(ReadyMessage.self, payload, .ready)
            state.phase = .running
            ready.fulfill(.success(message))
        case .hello, .configure, .ready, .call, .reply, .ping, .pong, .shutdown:
            throw violation("\(header.type) frame is not valid now")
        default:
            state.unknownFrames += 1
        }
    }

    private func handleError(_ header: FrameHeader, _ payload: UnsafeRawBufferPointer, _ state: inout ReaderState)
        throws
    {
        let message = try decodeControl(ErrorMessage.self, payload, .error)
        if header.id == 0 {
            let code: PluginError.Code
            switch (message.code, state.phase) {
            case (PluginErrorCode.incompatibleVersion, _): code = .versionMismatch
            case (PluginErrorCode.badConfiguration, .configuring): code = .configurationRejected
            default: code = .moduleError
            }
            throw PluginError(
                code,
                plugin: pluginName,
                "the module sent ERROR \(message.code): \(message.message)",
                moduleErrorCode: message.code
            )
        }
        guard state.phase == .running else { throw violation("ERROR for call \(header.id) before READY") }
        guard let batch = batch(for: header.id, &state) else {
            if shared.withLock({ $0.closeRequested }) { return }
            throw violation("ERROR with id \(header.id), which is not a call in flight")
        }
        let index = Int(header.id &- batch.firstID)
        guard batch.markAnswered(index) else { throw violation("second answer to call \(header.id)") }
        batch.errors[index] = message
        state.replies += 1
        if batch.remaining == 0 {
            state.completed.append(batch)
            state.cached = nil
        }
    }

    private func decodeControl<T: Decodable>(_ type: T.Type, _ payload: UnsafeRawBufferPointer, _ frame: FrameType)
        throws -> T
    {
        do {
            return try ControlCoding.decode(type, from: payload, frame: frame)
        } catch {
            throw violation(error.description)
        }
    }

    private func violation(_ detail: String) -> PluginError {
        PluginError(.protocolViolation, plugin: pluginName, detail)
    }

    // MARK: Non-protocol output

    /// Checks the first 16 bytes against what a HELLO (or ERROR) header can look like: length
    /// below 1 MiB, type 1 or 6, flags 0, id 0. Text fails at its first byte, so nothing waits
    /// for 16 bytes that may never come. Returns the chunk if it is not protocol output.
    private func checkHelloPrefix(_ chunk: UnsafeRawBufferPointer, _ state: inout ReaderState) -> [UInt8]? {
        var index = 0
        while state.checkedPrefix < FrameHeader.size, index < chunk.count {
            let byte = chunk[index]
            let ok: Bool
            switch state.checkedPrefix {
            case 0: ok = byte == 0
            case 1: ok = byte <= 0x10
            case 2, 3: ok = true
            case 5: ok = byte == UInt8(FrameType.hello.rawValue) || byte == UInt8(FrameType.error.rawValue)
            default: ok = byte == 0
            }
            if !ok { return Array(chunk) }
            state.checkedPrefix += 1
            index += 1
        }
        return nil
    }

    /// Reads up to 256 more bytes (for at most 250 ms) and builds the error.
    private func nonProtocolOutput(firstChunk: [UInt8]) -> PluginError {
        var bytes = firstChunk
        let limit = FrameHeader.size + 256
        let deadline = Monotonic.now() + 0.25
        var buffer = [UInt8](repeating: 0, count: 512)
        while bytes.count < limit {
            let left = Int32(max((deadline - Monotonic.now()) * 1000, 0))
            guard left > 0 else { break }
            var descriptor = pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, left) > 0 else { break }
            let count = buffer.withUnsafeMutableBytes { read(stdoutFD, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        let text = bytes.withUnsafeBytes { Self.printable($0, limit: limit) }
        return PluginError(
            .nonProtocolOutput, plugin: pluginName, "plugin wrote non-protocol output to stdout: \(text)")
    }

    // MARK: Lines mode

    private func processLines(_ chunk: UnsafeRawBufferPointer, _ state: inout ReaderState) throws {
        var start = 0
        while start < chunk.count {
            let newline = chunk[start...].firstIndex(of: 0x0A)
            let end = newline ?? chunk.count
            if !state.lineOverflow {
                let take = min(end - start, LinesCodec.maxLineBytes - state.line.count)
                state.line.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<(start + take)]))
                if end - start > take { state.lineOverflow = true }
            }
            guard let newline else { return }
            try deliverLine(&state)
            start = newline + 1
        }
    }

    private func deliverLine(_ state: inout ReaderState) throws {
        defer {
            state.line.removeAll(keepingCapacity: true)
            state.lineOverflow = false
        }
        if state.line.last == 0x0D { state.line.removeLast() }
        if state.lineBatch == nil || state.lineIndex >= state.lineBatch!.count {
            let previous = state.lineBatch
            state.lineBatch = shared.withLock { shared in
                shared.awaiting.first { $0 !== previous && $0.remaining > 0 && $0.writtenCalls > 0 }
            }
            state.lineIndex = 0
        }
        guard let batch = state.lineBatch else {
            if shared.withLock({ $0.closeRequested }) { return }
            throw violation("the module wrote a line that answers no call")
        }
        let index = state.lineIndex
        state.lineIndex += 1
        _ = batch.markAnswered(index)
        let (value, keep) = Self.linesReply(kind: kind, isEmpty: state.line.isEmpty)
        batch.returnValues[index] = value
        if batch.keepsData, keep { batch.data[index] = state.line }
        state.replies += 1
        if batch.remaining == 0 { state.completed.append(batch) }
    }

    /// Maps a lines-mode answer to the return value of the frames protocol (spec section 8):
    /// format and filter: empty = drop (1); postprocessing and reaction: text = failure (-1).
    static func linesReply(kind: ModuleKind, isEmpty: Bool) -> (Int32, Bool) {
        switch kind {
        case .format: return isEmpty ? (1, false) : (0, true)
        case .filter: return isEmpty ? (1, false) : (0, false)
        case .pseudonymizer: return (0, !isEmpty)
        default: return isEmpty ? (0, false) : (-1, true)
        }
    }

    // MARK: - Helpers

    static func printable(_ bytes: UnsafeRawBufferPointer, limit: Int) -> String {
        var text = ""
        for byte in bytes.prefix(limit) {
            switch byte {
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
            case 0x0A: text += "\\n"
            default: text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return "\"" + text + "\""
    }

    static func format(_ seconds: Double) -> String {
        let rounded = (seconds * 100).rounded() / 100
        return "\(rounded)"
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
