// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import CMICESpawn
import Logging
import MICECore
import MICEPluginManifest
import MICERecords
import MICEWire
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An established session with one module: handshake, calls, heartbeat, shutdown.
///
/// ``start(process:manifest:options:logger:)`` performs the handshake of docs/plugin-protocol.md
/// section 4 within `timeouts.startSeconds` (HELLO, CONFIGURE, READY); lines-mode modules have
/// none. Then calls go out with fresh request ids, up to `protocol.maxInFlight` at once.
///
/// **Performance model.** Each connection has a reader thread and a writer thread (see the
/// internal `ConnectionCore`): a batch of calls is encoded into one buffer by the caller, written
/// by the writer thread in as few `write`s as the pipelining window allows, and its replies are
/// decoded in place from 256 KiB reads and stored straight into the batch. The caller's task is
/// suspended on one continuation per batch, not per call, and the mutex is taken once per batch
/// and once per read chunk. Writing from a dedicated thread (rather than the caller's) means a
/// full pipe, a slow module or a hung one never blocks the cooperative thread pool; the handoff
/// costs one eventfd wake per batch. Batches of a few hundred to a few thousand calls are the
/// sweet spot; ``call(_:)`` exists for convenience.
///
/// **Failures.** A protocol violation, an oversized or truncated frame, a request timeout, three
/// unanswered PINGs or the end of stdout end the session: every pending call fails with that
/// error and ``waitUntilClosed()`` returns it. The module process is not stopped by the
/// connection (the ``PluginSupervisor`` or the owner calls ``shutdown(reason:)``); an ERROR frame
/// for one call fails only that call.
public final class PluginConnection: Sendable {
    /// Counters of one session.
    public struct Statistics: Hashable, Sendable {
        /// CALL frames (or lines) written.
        public var callsSent = 0
        /// REPLY and per-call ERROR frames (or lines) received.
        public var repliesReceived = 0
        /// Frames of a type this host does not know, ignored (spec section 3, rule 5).
        public var unknownFrames = 0
        /// PINGs sent.
        public var pingsSent = 0
        /// Bytes written to stdin.
        public var bytesSent = 0
    }

    /// The plugin's manifest.
    public let manifest: PluginManifest
    /// The module process.
    public let process: PluginProcess
    /// The module's HELLO (nil in lines mode).
    public let hello: HelloMessage?
    /// What the module's READY returned: the original `init` value (0 in lines mode).
    public let initValue: Int64
    /// The negotiated frame limit for both directions.
    public let maxFrameBytes: Int

    let core: ConnectionCore
    private let kind: ModuleKind
    /// Lines mode, filter and pseudonymizer: the LogFormat layout whose log data is the line.
    private let linesLayout: LogFormatLayout?

    private init(
        manifest: PluginManifest,
        process: PluginProcess,
        hello: HelloMessage?,
        initValue: Int64,
        maxFrameBytes: Int,
        core: ConnectionCore,
        linesLayout: LogFormatLayout? = nil
    ) {
        self.manifest = manifest
        self.process = process
        self.hello = hello
        self.initValue = initValue
        self.maxFrameBytes = maxFrameBytes
        self.core = core
        self.kind = ModuleKind(rawValue: manifest.kind.rawValue) ?? .filter
        self.linesLayout = linesLayout
    }

    // MARK: - Start

    /// Spawns the module of `manifest` and establishes the session.
    /// - Throws: ``PluginError``; the process has been stopped and reaped by then.
    public static func launch(
        manifest: PluginManifest,
        options: PluginSpawnOptions = PluginSpawnOptions(),
        logger: Logger
    ) async throws -> PluginConnection {
        let process = try PluginProcess.spawn(manifest: manifest, options: options, logger: logger)
        return try await start(process: process, manifest: manifest, options: options, logger: logger)
    }

    /// Establishes the session with a freshly spawned module: the handshake of spec section 4,
    /// all of it within `manifest.timeouts.startSeconds`.
    ///
    /// On failure the module is stopped (SIGTERM, then SIGKILL to its group) and reaped, and the
    /// error carries its exit status and last stderr lines where they explain the failure.
    /// - Throws: ``PluginError``: ``PluginError/Code/handshakeTimeout``,
    ///   ``PluginError/Code/nonProtocolOutput``, ``PluginError/Code/versionMismatch``,
    ///   ``PluginError/Code/exitedBeforeHandshake``, ``PluginError/Code/configurationRejected``,
    ///   ``PluginError/Code/frameTooLarge``, ``PluginError/Code/protocolViolation``.
    public static func start(
        process: PluginProcess,
        manifest: PluginManifest,
        options: PluginSpawnOptions = PluginSpawnOptions(),
        logger: Logger
    ) async throws -> PluginConnection {
        let started = Monotonic.now()
        let startSeconds = manifest.timeouts.startSeconds
        let name = manifest.name
        // Agents take no CALLs but have a session all the same: handshake, heartbeat, SHUTDOWN.
        guard let kind = ModuleKind(rawValue: manifest.kind.rawValue) else {
            await process.terminate(grace: 0)
            throw PluginError(.spawnFailed, plugin: name, "unknown module kind \(manifest.kind.rawValue)")
        }
        if manifest.protocol.mode == .lines, kind == .decoding {
            await process.terminate(grace: 0)
            throw PluginError(.spawnFailed, plugin: name, "lines mode does not exist for decoding modules")
        }
        let wake = mice_eventfd()
        guard wake >= 0, let stdin = process.takeStandardInput(), let stdout = process.takeStandardOutput() else {
            if wake >= 0 { close(wake) }
            await process.terminate(grace: 0)
            throw PluginError(.spawnFailed, plugin: name, "no pipes or eventfd for the connection")
        }
        var logger = logger
        logger[metadataKey: "plugin.name"] = "\(name)"
        logger[metadataKey: "plugin.pid"] = "\(process.pid)"
        let core = ConnectionCore(
            pluginName: name,
            kind: kind,
            settings: manifest.protocol,
            requestSeconds: manifest.timeouts.requestSeconds,
            stdin: stdin,
            stdout: stdout,
            wake: wake,
            logger: logger
        )
        guard core.start() else {
            await process.terminate(grace: 0)
            throw PluginError(.spawnFailed, plugin: name, "cannot start the connection threads")
        }
        if manifest.protocol.mode == .lines {
            return PluginConnection(
                manifest: manifest,
                process: process,
                hello: nil,
                initValue: 0,
                maxFrameBytes: LinesCodec.maxLineBytes,
                core: core,
                linesLayout: LogFormatLayout(rawValue: options.layout)
            )
        }

        func remaining() -> Double { max(startSeconds - (Monotonic.now() - started), 0) }
        func failStart(_ error: PluginError) async -> PluginError {
            core.fail(error)
            return await Self.explain(error, process: process, manifest: manifest)
        }
        func timeout(_ waitingFor: String) -> PluginError {
            PluginError(
                .handshakeTimeout,
                plugin: name,
                "no \(waitingFor) within \(ConnectionCore.format(startSeconds)) s (timeouts.startSeconds)"
            )
        }

        guard let helloResult = await core.hello.wait(timeout: .seconds(remaining())) else {
            throw await failStart(timeout("HELLO"))
        }
        let hello: HelloMessage
        switch helloResult {
        case .failure(let error): throw await failStart(error)
        case .success(let message): hello = message
        }
        guard PluginProtocol.supportedVersions.contains(hello.version) else {
            let offered = PluginProtocol.supportedVersions.map(String.init).joined(separator: ",")
            let message = ErrorMessage(
                code: PluginErrorCode.incompatibleVersion,
                message: "version \(hello.version) was not offered (offered: \(offered))"
            )
            core.requestClose(finalFrame: ControlCoding.frame(.error, message).encoded)
            let error = PluginError(
                .versionMismatch,
                plugin: name,
                "module chose protocol version \(hello.version), host offered \(offered)",
                moduleErrorCode: PluginErrorCode.incompatibleVersion
            )
            _ = await core.writerFinished.wait(timeout: .seconds(1))
            throw await failStart(error)
        }
        if hello.name != name {
            logger.warning("module's HELLO names it \(hello.name), manifest says \(name)")
        }
        let negotiated = core.maxFrameBytes
        let configure = ConfigureMessage(
            version: hello.version,
            maxFrameBytes: negotiated,
            name: name,
            kind: kind,
            layout: options.layout,
            config: manifest.effectiveConfig(options.configuration),
            heartbeatSeconds: manifest.timeouts.heartbeatSeconds
        )
        core.sendControl(ControlCoding.frame(.configure, configure).encoded)
        guard let readyResult = await core.ready.wait(timeout: .seconds(remaining())) else {
            throw await failStart(timeout("READY"))
        }
        let ready: ReadyMessage
        switch readyResult {
        case .failure(let error): throw await failStart(error)
        case .success(let message): ready = message
        }
        core.enableHeartbeat(seconds: manifest.timeouts.heartbeatSeconds)
        logger.debug(
            "plugin ready", metadata: ["plugin.init": "\(ready.`init`)", "plugin.maxFrameBytes": "\(negotiated)"])
        return PluginConnection(
            manifest: manifest,
            process: process,
            hello: hello,
            initValue: ready.`init`,
            maxFrameBytes: negotiated,
            core: core
        )
    }

    /// Stops the module after a failed start and adds what explains the failure: exit status
    /// and the last stderr lines; a session that ended before READY becomes
    /// ``PluginError/Code/exitedBeforeHandshake``.
    static func explain(_ error: PluginError, process: PluginProcess, manifest: PluginManifest) async -> PluginError {
        var error = error
        let grace = manifest.timeouts.shutdownSeconds
        if error.code == .connectionClosed || error.code == .truncatedFrame {
            error.code = .exitedBeforeHandshake
            error.detail = "the module ended before READY (\(error.detail))"
            if let status = await process.waitForExit(timeout: max(grace, 1)) { error.exitStatus = status }
        }
        let status = await process.terminate(grace: min(grace, 1))
        if error.exitStatus == nil { error.exitStatus = status }
        await process.stderr.waitForEnd(timeout: 0.5)
        error.stderrTail = process.stderr.tail(10)
        return error
    }

    // MARK: - Calls

    /// Calls the module once.
    /// - Returns: the REPLY.
    /// - Throws: ``PluginError``: ``PluginError/Code/moduleError`` when the module answered ERROR
    ///   (``PluginError/moduleErrorCode`` holds its code), or the error that ended the session.
    public func call(_ call: ModuleCall) async throws -> ModuleReply {
        try await self.call(batch: [call])[0]
    }

    /// Calls the module once per element of `batch`, pipelined; one write, one suspension.
    /// - Returns: the replies, in the order of `batch`.
    /// - Throws: ``PluginError``: the first per-call ERROR as ``PluginError/Code/moduleError``
    ///   (use ``callResults(batch:)`` to get the other replies as well), or the error that ended
    ///   the session.
    public func call(batch: [ModuleCall]) async throws -> [ModuleReply] {
        try await callResults(batch: batch).map { try $0.get() }
    }

    /// Like ``call(batch:)``, but a call answered with ERROR yields a failure in its slot
    /// instead of failing the whole batch.
    /// - Throws: ``PluginError`` when the session ended before every call was answered.
    public func callResults(batch: [ModuleCall]) async throws -> [Result<ModuleReply, PluginError>] {
        if batch.isEmpty { return [] }
        let completed = try await run(count: batch.count, keepsData: true) { buffer, firstID in
            try encode(batch, firstID: firstID, into: &buffer)
        }
        var results: [Result<ModuleReply, PluginError>] = []
        results.reserveCapacity(batch.count)
        for index in 0..<batch.count {
            if let message = completed.errors[index] {
                results.append(.failure(moduleError(message, id: completed.firstID + UInt64(index))))
            } else {
                var data = completed.data[index]
                if kind == .pseudonymizer, !data.isEmpty, let layout = linesLayout {
                    data = Self.record(batch[index].data, withLogData: data, layout: layout)
                }
                results.append(.success(ModuleReply(returnValue: completed.returnValues[index], data: data)))
            }
        }
        return results
    }

    /// The fast path: calls the module once per payload and returns only the return values
    /// (REPLY data is not copied).
    /// - Parameters:
    ///   - fileType: the `fileType` argument for format, filter and pseudonymizer modules (ignored
    ///     for the other kinds and in lines mode).
    ///   - payloads: the data argument of each call (records, lines, argument strings).
    ///   - errorValue: the return value to report for a call the module answered with ERROR; nil
    ///     makes such a call fail the batch.
    /// - Returns: the return values, in the order of `payloads`.
    /// - Throws: ``PluginError``.
    public func callReturnValues(
        fileType: UInt32 = 0,
        payloads: [[UInt8]],
        errorValue: Int32? = nil
    ) async throws -> [Int32] {
        if payloads.isEmpty { return [] }
        let completed = try await run(count: payloads.count, keepsData: false) { buffer, firstID in
            try encode(payloads, fileType: fileType, firstID: firstID, into: &buffer)
        }
        if !completed.errors.isEmpty {
            guard let errorValue else {
                let (index, message) = completed.errors.min { $0.key < $1.key }!
                throw moduleError(message, id: completed.firstID + UInt64(index))
            }
            for index in completed.errors.keys { completed.returnValues[index] = errorValue }
        }
        return completed.returnValueArray()
    }

    /// The same payload `count` times: for benchmarks, without building an array of payloads.
    public func callReturnValues(fileType: UInt32 = 0, repeating payload: [UInt8], count: Int) async throws -> [Int32] {
        if count <= 0 { return [] }
        let completed = try await run(count: count, keepsData: false) { buffer, firstID in
            try encode(repeatElement(payload, count: count), fileType: fileType, firstID: firstID, into: &buffer)
        }
        if let (index, message) = completed.errors.min(by: { $0.key < $1.key }) {
            throw moduleError(message, id: completed.firstID + UInt64(index))
        }
        return completed.returnValueArray()
    }

    private func moduleError(_ message: ErrorMessage, id: UInt64) -> PluginError {
        PluginError(
            .moduleError,
            plugin: manifest.name,
            "call \(id) failed: ERROR \(message.code): \(message.message)",
            moduleErrorCode: message.code
        )
    }

    /// Encodes, submits and awaits one batch.
    private func run(
        count: Int,
        keepsData: Bool,
        encode: (inout [UInt8], UInt64) throws -> Void
    ) async throws -> CallBatch {
        let firstID = core.reserveIDs(count)
        var bytes: [UInt8] = []
        try encode(&bytes, firstID)
        let batch = CallBatch(firstID: firstID, count: count, bytes: bytes, keepsData: keepsData)
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            batch.continuation = continuation
            core.submit(batch)
        }
        if let failure = batch.failure {
            throw await explainRunning(failure)
        }
        return batch
    }

    /// Adds exit status and stderr tail to a session-ending error when the module is gone.
    private func explainRunning(_ error: PluginError) async -> PluginError {
        var error = error
        if error.exitStatus == nil, let status = await process.waitForExit(timeout: 0.2) {
            error.exitStatus = status
            error.stderrTail = process.stderr.tail(10)
        }
        return error
    }

    private func encode(_ batch: [ModuleCall], firstID: UInt64, into buffer: inout [UInt8]) throws {
        let lines = manifest.protocol.mode == .lines
        let withFileType = !lines && kind.callCarriesFileType
        var total = 0
        for call in batch {
            try checkSize(call.data.count + (withFileType ? 4 : 0))
            total += lines ? call.data.count + 1 : FrameHeader.size + (withFileType ? 4 : 0) + call.data.count
        }
        buffer.reserveCapacity(total)
        var id = firstID
        for call in batch {
            if lines {
                appendLine(call.data, to: &buffer)
            } else {
                appendCall(id: id, fileType: withFileType ? call.fileType ?? 0 : nil, data: call.data, to: &buffer)
            }
            id &+= 1
        }
    }

    private func encode(
        _ payloads: some Collection<[UInt8]>,
        fileType: UInt32,
        firstID: UInt64,
        into buffer: inout [UInt8]
    ) throws {
        let lines = manifest.protocol.mode == .lines
        let withFileType = !lines && kind.callCarriesFileType
        var total = 0
        for payload in payloads {
            try checkSize(payload.count + (withFileType ? 4 : 0))
            total += lines ? payload.count + 1 : FrameHeader.size + (withFileType ? 4 : 0) + payload.count
        }
        buffer.reserveCapacity(total)
        var id = firstID
        for payload in payloads {
            if lines {
                appendLine(payload, to: &buffer)
            } else {
                appendCall(id: id, fileType: withFileType ? fileType : nil, data: payload, to: &buffer)
            }
            id &+= 1
        }
    }

    /// Lines mode: the line for one call. A filter, pseudonymizer or postprocessor given a
    /// LogFormat record gets its log data (spec section 8); other data goes as it is (up to its
    /// first NUL).
    private func appendLine(_ data: [UInt8], to buffer: inout [UInt8]) {
        let takesRecords = kind == .filter || kind == .pseudonymizer || kind == .postprocessing
        guard let layout = linesLayout, takesRecords, data.count == layout.size else {
            LinesCodec.appendLine(data, to: &buffer)
            return
        }
        data.withUnsafeBytes { record in
            guard let logData = try? LogFormat.logData(in: record, layout: layout) else { return }
            LinesCodec.appendLine(logData, to: &buffer)
        }
    }

    /// Lines mode, pseudonymizer: the call's record with the line read back as its log data and
    /// a fresh checksum.
    static func record(_ record: [UInt8], withLogData line: [UInt8], layout: LogFormatLayout) -> [UInt8] {
        guard record.count == layout.size else { return line }
        var result = record
        result.withUnsafeMutableBytes { bytes in
            line.withUnsafeBytes { text in _ = try? LogFormat.setLogData(text, in: bytes, layout: layout) }
            _ = try? LogFormat.updateChecksum(in: bytes, layout: layout)
        }
        return result
    }

    @inline(__always)
    private func checkSize(_ size: Int) throws {
        if size > maxFrameBytes {
            throw PluginError(
                .callTooLarge,
                plugin: manifest.name,
                "a call of \(size) bytes is above the negotiated frame limit of \(maxFrameBytes) bytes"
            )
        }
    }

    /// Appends one CALL frame by writing its header and payload straight into the buffer.
    @inline(__always)
    private func appendCall(id: UInt64, fileType: UInt32?, data: [UInt8], to buffer: inout [UInt8]) {
        let prefix = fileType == nil ? 0 : 4
        let length = prefix + data.count
        let start = buffer.count
        let size = FrameHeader.size + length
        buffer.append(contentsOf: repeatElement(0, count: size))
        buffer.withUnsafeMutableBytes { bytes in
            bytes.storeBytes(of: UInt32(length).bigEndian, toByteOffset: start, as: UInt32.self)
            bytes.storeBytes(of: FrameType.call.rawValue.bigEndian, toByteOffset: start + 4, as: UInt16.self)
            bytes.storeBytes(of: UInt64(id).bigEndian, toByteOffset: start + 8, as: UInt64.self)
            if let fileType {
                bytes.storeBytes(of: fileType.bigEndian, toByteOffset: start + FrameHeader.size, as: UInt32.self)
            }
            data.withUnsafeBytes { source in
                if let base = source.baseAddress, let target = bytes.baseAddress {
                    (target + start + FrameHeader.size + prefix).copyMemory(from: base, byteCount: source.count)
                }
            }
        }
    }

    // MARK: - State and shutdown

    /// The error that ended the session, or nil while it is up.
    public var failure: PluginError? { core.shared.withLock { $0.failure } }

    /// Whether the session is up (no failure, no shutdown requested).
    public var isOpen: Bool { core.shared.withLock { $0.failure == nil && !$0.closeRequested } }

    /// The session's counters.
    public var statistics: PluginConnection.Statistics { core.shared.withLock { $0.statistics } }

    /// Waits until the session ends and returns why (``PluginError/Code/connectionClosed`` after
    /// a clean shutdown).
    public func waitUntilClosed() async -> PluginError {
        if let error = await core.closed.wait() { return error }
        return PluginError(.connectionClosed, plugin: manifest.name, "cancelled while waiting")
    }

    /// Ends the session (spec section 7): SHUTDOWN, stdin closed, calls already sent still get
    /// their replies; then `timeouts.shutdownSeconds` for the module to exit, SIGTERM to its
    /// process group, as long again, SIGKILL; always reaped.
    /// - Returns: how the module ended.
    @discardableResult
    public func shutdown(reason: String = "host stopping") async -> ExitStatus {
        let frame =
            manifest.protocol.mode == .lines
            ? [] : ControlCoding.frame(.shutdown, ShutdownMessage(reason: reason)).encoded
        core.requestClose(finalFrame: frame)
        let status = await process.terminate(grace: manifest.timeouts.shutdownSeconds)
        _ = await core.readerFinished.wait(timeout: .seconds(max(manifest.timeouts.shutdownSeconds, 1)))
        core.fail(PluginError(.connectionClosed, plugin: manifest.name, "shut down (\(reason))", exitStatus: status))
        return status
    }
}
