// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A failure of a module process or of the session with it.
///
/// Extensible in the ServiceLifecycle style: new codes can be added without breaking callers.
/// The ``description`` names the plugin and, where known, its exit status and the last lines it
/// wrote to stderr, so the message alone explains a failed start.
public struct PluginError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case spawnFailed, handshakeTimeout, versionMismatch, exitedBeforeHandshake, nonProtocolOutput
            case configurationRejected, protocolViolation, frameTooLarge, truncatedFrame, requestTimeout
            case unhealthy, moduleError, connectionClosed, crashLoop, notRunning, callTooLarge
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The process could not be started (executable missing, exec failed, no pipes).
        public static let spawnFailed = Code(.spawnFailed)
        /// HELLO and READY did not both arrive within `timeouts.startSeconds`.
        public static let handshakeTimeout = Code(.handshakeTimeout)
        /// No protocol version in common (HELLO with a version the host did not offer, or ERROR 1).
        public static let versionMismatch = Code(.versionMismatch)
        /// The module closed stdout or exited before READY.
        public static let exitedBeforeHandshake = Code(.exitedBeforeHandshake)
        /// The module's first bytes on stdout were not a HELLO frame.
        public static let nonProtocolOutput = Code(.nonProtocolOutput)
        /// The module answered CONFIGURE with ERROR (code 2): its configuration is unusable.
        public static let configurationRejected = Code(.configurationRejected)
        /// A frame that is malformed, in the wrong state or in the wrong direction.
        public static let protocolViolation = Code(.protocolViolation)
        /// A frame announced a payload above the negotiated limit (nothing was allocated for it).
        public static let frameTooLarge = Code(.frameTooLarge)
        /// The module's stdout ended inside a frame.
        public static let truncatedFrame = Code(.truncatedFrame)
        /// A call got no REPLY within `timeouts.requestSeconds`.
        public static let requestTimeout = Code(.requestTimeout)
        /// Three PINGs went unanswered.
        public static let unhealthy = Code(.unhealthy)
        /// The module answered ERROR: for one call (``PluginError/moduleErrorCode`` tells which) or
        /// for the session.
        public static let moduleError = Code(.moduleError)
        /// The session ended (module exited, stdout closed, host shut it down) with calls pending.
        public static let connectionClosed = Code(.connectionClosed)
        /// The module was restarted more than `restart.maxRestarts` times in `restart.windowSeconds`.
        public static let crashLoop = Code(.crashLoop)
        /// The supervisor has no running module to hand out (failed, stopped or not started yet).
        public static let notRunning = Code(.notRunning)
        /// A call's payload is above the negotiated frame limit; it was not sent.
        public static let callTooLarge = Code(.callTooLarge)

        public var description: String {
            switch base {
            case .spawnFailed: return "spawn failed"
            case .handshakeTimeout: return "handshake timeout"
            case .versionMismatch: return "protocol version mismatch"
            case .exitedBeforeHandshake: return "exited before handshake"
            case .nonProtocolOutput: return "non-protocol output"
            case .configurationRejected: return "configuration rejected"
            case .protocolViolation: return "protocol violation"
            case .frameTooLarge: return "frame too large"
            case .truncatedFrame: return "truncated frame"
            case .requestTimeout: return "request timeout"
            case .unhealthy: return "unhealthy"
            case .moduleError: return "module error"
            case .connectionClosed: return "connection closed"
            case .crashLoop: return "crash loop"
            case .notRunning: return "not running"
            case .callTooLarge: return "call too large"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The plugin's name.
    public var plugin: String
    /// Human-readable detail.
    public var detail: String
    /// How the module process ended, when that is known and relevant.
    public var exitStatus: ExitStatus?
    /// The code of the module's ERROR frame, for ``Code/moduleError`` and the handshake errors.
    public var moduleErrorCode: Int?
    /// The last lines the module wrote to stderr, oldest first, for start and crash errors.
    public var stderrTail: [String]

    /// Creates an error.
    public init(
        _ code: Code,
        plugin: String,
        _ detail: String,
        exitStatus: ExitStatus? = nil,
        moduleErrorCode: Int? = nil,
        stderrTail: [String] = []
    ) {
        self.code = code
        self.plugin = plugin
        self.detail = detail
        self.exitStatus = exitStatus
        self.moduleErrorCode = moduleErrorCode
        self.stderrTail = stderrTail
    }

    /// Whether the supervisor may restart the module after this error (spec section 9: an
    /// incompatible version or a rejected configuration stops the module for good).
    public var isRestartable: Bool {
        code != .versionMismatch && code != .configurationRejected && code != .crashLoop
    }

    public var description: String {
        var text = "plugin \(plugin): \(code): \(detail)"
        if let exitStatus { text += " (\(exitStatus))" }
        if !stderrTail.isEmpty {
            text += "; last stderr lines:\n  " + stderrTail.joined(separator: "\n  ")
        }
        return text
    }
}
