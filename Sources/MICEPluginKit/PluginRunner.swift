// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import MICEWire

#if canImport(Glibc)
import Glibc
#endif

/// The module side of the protocol (docs/plugin-protocol.md): handshake, then a frame loop.
///
/// The loop is single-threaded and batch-oriented: one `read` of up to 256 KiB, every complete
/// frame in it handled in place (no copy of the call data), every reply appended to one output
/// buffer, one `write` for all of them. A host that pipelines its calls therefore gets its
/// answers in large batches, which is what makes a module in its own process fast.
///
/// For a ``BatchPluginModule`` the replies of a batch stay in the output buffer until the module's
/// `endBatch` has run (its commit), and further input already waiting joins the batch; so a REPLY
/// is only ever written after the work it reports is done.
public enum PluginRunner {
    static let readChunkBytes = 256 * 1024

    /// Runs `Module` until SHUTDOWN or end of input, then exits the process.
    public static func run<Module: PluginModule>(_ module: Module.Type) -> Never {
        var session = Session<Module>(output: claimStdout(), batching: nil)
        exit(session.run())
    }

    /// Runs a ``BatchPluginModule`` until SHUTDOWN or end of input, then exits the process: the
    /// replies of a batch are written only after ``BatchPluginModule/endBatch(_:)`` returned.
    public static func runBatching<Module: BatchPluginModule>(_ module: Module.Type) -> Never {
        let hooks = BatchHooks<Module>(limit: max(1, Module.maxBatchCalls)) { module, batch in
            module.endBatch(&batch)
        }
        var session = Session<Module>(output: claimStdout(), batching: hooks)
        exit(session.run())
    }

    /// True when more input is waiting on descriptor 0 (or it reached its end), without waiting.
    static func inputIsWaiting() -> Bool {
        var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0 && descriptor.revents != 0
    }

    /// Moves the protocol stream off descriptor 1 and points 1 at stderr, so a stray `print` in
    /// module code shows up in the host's log instead of corrupting the frame stream.
    private static func claimStdout() -> Int32 {
        let protocolOut = dup(1)
        guard protocolOut >= 0 else { return 1 }
        _ = fcntl(protocolOut, F_SETFD, FD_CLOEXEC)
        _ = dup2(2, 1)
        return protocolOut
    }
}

/// How a ``BatchPluginModule`` ends its batches.
private struct BatchHooks<Module: PluginModule> {
    var limit: Int
    var end: (inout Module, inout CallBatch) -> Void
}

private struct Session<Module: PluginModule> {
    let output: Int32
    var outBuffer: [UInt8] = []
    /// The limit from CONFIGURE, applied to the decoder once the current chunk is handled.
    var negotiatedLimit: Int?
    /// Set for a ``BatchPluginModule``.
    let batching: BatchHooks<Module>?
    /// The calls of the open batch, and where each one's REPLY header starts in `outBuffer`.
    var batch = CallBatch()
    var batchReplyOffsets: [Int] = []

    init(output: Int32, batching: BatchHooks<Module>?) {
        self.output = output
        self.batching = batching
        outBuffer.reserveCapacity(PluginRunner.readChunkBytes)
    }

    mutating func run() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let environment = ProcessEnvironment()
        guard environment[PluginProtocol.cookieVariable] == PluginProtocol.cookieValue else {
            PluginLog.error(
                "\(Module.pluginName) is an M-ICE module; it is started by the M-ICE daemons or by "
                    + "`micectl plugins run`, not by hand (docs/plugin-protocol.md)"
            )
            return PluginExitCode.notStartedByHost
        }
        let offered = PluginProtocol.parseVersions(environment[PluginProtocol.versionsVariable] ?? "1")
        guard
            let version = PluginProtocol.negotiate(
                hostVersions: offered, moduleVersions: PluginProtocol.supportedVersions)
        else {
            send(
                ControlCoding.frame(
                    .error,
                    ErrorMessage(
                        code: PluginErrorCode.incompatibleVersion,
                        message: "host offers versions \(offered), module speaks \(PluginProtocol.supportedVersions)"
                    )
                )
            )
            flush()
            return PluginExitCode.protocolError
        }
        let kind = environment[PluginProtocol.kindVariable].flatMap(ModuleKind.init(rawValue:))
        send(
            ControlCoding.frame(
                .hello,
                HelloMessage(
                    version: version,
                    name: Module.pluginName,
                    pluginVersion: Module.pluginVersion,
                    kind: kind,
                    maxFrameBytes: FrameDecoder.defaultMaxFrameBytes,
                    capabilities: ["pipelining", "batching", "heartbeat"]
                )
            )
        )
        guard flush() else { return PluginExitCode.failure }

        var decoder = FrameDecoder()
        var phase = Phase<Module>.awaitingConfigure
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: PluginRunner.readChunkBytes, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(0, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                PluginLog.error("reading stdin failed: errno \(errno)")
                return finish(&phase, code: PluginExitCode.failure)
            }
            if count == 0 {
                if decoder.hasPartialFrame {
                    PluginLog.error("input ended inside a frame (\(decoder.bufferedByteCount) bytes)")
                }
                return finish(&phase, code: PluginExitCode.ok)
            }
            var exitCode: Int32?
            do {
                try decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) { header, payload in
                    if exitCode == nil {
                        exitCode = handle(header, payload, &phase, version: version, environment: environment)
                    }
                }
            } catch {
                PluginLog.error("protocol error from host: \(error)")
                send(
                    ControlCoding.frame(
                        .error,
                        ErrorMessage(
                            code: (error as? WireError)?.code == .frameTooLarge
                                ? PluginErrorCode.frameTooLarge : PluginErrorCode.unexpectedFrame,
                            message: "\(error)"
                        )
                    )
                )
                return finish(&phase, code: PluginExitCode.protocolError)
            }
            if let limit = negotiatedLimit {
                decoder.maxFrameBytes = limit
                negotiatedLimit = nil
            }
            if let batching, !batch.isEmpty, exitCode == nil {
                // Replies of an open batch wait for its end; more waiting input joins the batch.
                if batch.count < batching.limit && PluginRunner.inputIsWaiting() { continue }
                endBatch(&phase)
            }
            guard flush() else { return finish(&phase, code: PluginExitCode.failure) }
            if let exitCode { return finish(&phase, code: exitCode) }
        }
    }

    private mutating func finish(_ phase: inout Phase<Module>, code: Int32) -> Int32 {
        if case .running(var running) = phase {
            endBatch(&running)
            flush()
            running.module.shutdown()
            phase = .stopped
        }
        flush()
        return code
    }

    /// Ends the open batch of the running module, if any.
    private mutating func endBatch(_ phase: inout Phase<Module>) {
        guard case .running(var running) = phase else { return }
        phase = .stopped  // keep the module's storage uniquely referenced while it runs
        endBatch(&running)
        phase = .running(running)
    }

    /// Lets a batch module finish the open batch, then writes the return values it settled on
    /// into the batch's REPLY frames, which are still in `outBuffer`.
    private mutating func endBatch(_ running: inout RunningModule<Module>) {
        guard let batching, !batch.isEmpty else { return }
        let count = batch.count
        batching.end(&running.module, &batch)
        if batch.returnValues.count != count {
            PluginLog.error("endBatch changed the number of return values; the original values stand")
        } else {
            outBuffer.withUnsafeMutableBytes { bytes in
                for (offset, value) in zip(batchReplyOffsets, batch.returnValues) {
                    bytes.storeBytes(
                        of: UInt32(bitPattern: value).bigEndian, toByteOffset: offset + FrameHeader.size,
                        as: UInt32.self)
                }
            }
        }
        batch.removeAll()
        batchReplyOffsets.removeAll(keepingCapacity: true)
    }

    /// Handles one frame; returns an exit code when the session is over.
    private mutating func handle(
        _ header: FrameHeader,
        _ payload: UnsafeRawBufferPointer,
        _ phase: inout Phase<Module>,
        version: Int,
        environment: ProcessEnvironment
    ) -> Int32? {
        if header.type == .call, case .running(var module) = phase {
            phase = .stopped  // keep the module's storage uniquely referenced while it runs
            defer { phase = .running(module) }
            return handleCall(header, payload, &module)
        }
        switch (header.type, phase) {
        case (.ping, _):
            FrameEncoder.appendHeader(FrameHeader(length: 0, type: .pong, id: header.id), to: &outBuffer)
            return nil
        case (.shutdown, _):
            return PluginExitCode.ok
        case (.configure, .awaitingConfigure):
            let configure: ConfigureMessage
            do {
                configure = try ControlCoding.decode(ConfigureMessage.self, from: payload, frame: .configure)
            } catch {
                sendError(id: 0, code: PluginErrorCode.unexpectedFrame, "\(error)")
                return PluginExitCode.protocolError
            }
            negotiatedLimit = configure.maxFrameBytes
            let context = PluginContext(
                name: configure.name,
                kind: configure.kind,
                protocolVersion: version,
                maxFrameBytes: configure.maxFrameBytes,
                layout: configure.layout,
                config: configure.config,
                directory: environment[PluginProtocol.directoryVariable],
                stateDirectory: environment[PluginProtocol.stateDirectoryVariable]
            )
            do {
                let module = try Module(context: context)
                send(ControlCoding.frame(.ready, ReadyMessage(init: module.initValue)))
                phase = .running(RunningModule(module: module, kindForCalls: configure.kind))
                return nil
            } catch {
                sendError(id: 0, code: PluginErrorCode.badConfiguration, "\(error)")
                PluginLog.error("configuration rejected: \(error)")
                return PluginExitCode.configError
            }
        case (.call, _), (.configure, _), (.hello, _), (.ready, _), (.reply, _), (.pong, _):
            sendError(id: header.id, code: PluginErrorCode.unexpectedFrame, "\(header.type) frame not valid now")
            return PluginExitCode.protocolError
        case (.error, _):
            let text = String(decoding: payload, as: UTF8.self)
            PluginLog.error("host reported an error: \(text)")
            return header.id == 0 ? PluginExitCode.protocolError : nil
        default:
            return nil  // unknown frame types are ignored (spec section 3, rule 5)
        }
    }

    private mutating func handleCall(
        _ header: FrameHeader,
        _ payload: UnsafeRawBufferPointer,
        _ module: inout RunningModule<Module>
    ) -> Int32? {
        let kind = module.kindForCalls
        var fileType: UInt32?
        var data = payload
        if kind.callCarriesFileType {
            guard payload.count >= 4 else {
                sendError(id: header.id, code: PluginErrorCode.badCall, "CALL without the 4-byte file type")
                return nil
            }
            fileType = UInt32(bigEndian: payload.loadUnaligned(as: UInt32.self))
            data = UnsafeRawBufferPointer(rebasing: payload[4...])
        }
        let input = CallInput(id: header.id, fileType: fileType, data: data)
        let headerStart = outBuffer.count
        FrameEncoder.appendHeader(FrameHeader(length: 0, type: .reply, id: header.id), to: &outBuffer)
        outBuffer.appendBigEndian(Int32(0))
        do {
            let value = try module.module.call(input, reply: &outBuffer)
            let length = UInt32(outBuffer.count - headerStart - FrameHeader.size)
            outBuffer.withUnsafeMutableBytes { bytes in
                bytes.storeBytes(of: length.bigEndian, toByteOffset: headerStart, as: UInt32.self)
                bytes.storeBytes(
                    of: UInt32(bitPattern: value).bigEndian,
                    toByteOffset: headerStart + FrameHeader.size,
                    as: UInt32.self
                )
            }
            if batching != nil {
                batch.append(id: header.id, value: value)
                batchReplyOffsets.append(headerStart)
            }
        } catch let error as PluginCallError {
            outBuffer.removeSubrange(headerStart...)
            sendError(id: header.id, code: error.code, error.message)
        } catch {
            outBuffer.removeSubrange(headerStart...)
            sendError(id: header.id, code: PluginErrorCode.internalError, "\(error)")
        }
        if let batching, batch.count >= batching.limit { endBatch(&module) }
        if outBuffer.count >= PluginRunner.readChunkBytes {
            endBatch(&module)
            guard flush() else { return PluginExitCode.failure }
        }
        return nil
    }

    private mutating func sendError(id: UInt64, code: Int, _ message: String) {
        send(ControlCoding.frame(.error, id: id, ErrorMessage(code: code, message: message)))
    }

    private mutating func send(_ frame: Frame) {
        FrameEncoder.append(frame, to: &outBuffer)
    }

    /// Writes the output buffer out completely; false when the host is gone.
    @discardableResult
    private mutating func flush() -> Bool {
        defer { outBuffer.removeAll(keepingCapacity: true) }
        return outBuffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(output, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }
}

private struct RunningModule<Module: PluginModule> {
    var module: Module
    var kindForCalls: ModuleKind
}

private enum Phase<Module: PluginModule> {
    case awaitingConfigure
    case running(RunningModule<Module>)
    case stopped
}

/// A snapshot of the process environment.
struct ProcessEnvironment {
    private var values: [String: String] = [:]

    init() {
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                values[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
    }

    subscript(name: String) -> String? { values[name] }
}
