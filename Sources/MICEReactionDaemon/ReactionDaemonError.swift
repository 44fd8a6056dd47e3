// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An error of the ReactionDaemon: a start refused (unauthenticated mode without opt-in, a
/// table entry whose module or account is missing), or a state file that cannot be written.
public struct ReactionDaemonError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case unauthenticatedRefused, tls, badEntry, stateFile, sandboxMissing
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// AUTH is twofish or plaintext and ALLOW_UNAUTHENTICATED (or the command-line opt-in) is off.
        public static let unauthenticatedRefused = Code(.unauthenticatedRefused)
        /// AUTH = tls and this host's certificate, key or CA cannot be used.
        public static let tls = Code(.tls)
        /// A table entry (FID line) cannot be used: module, kind, account or configuration.
        public static let badEntry = Code(.badEntry)
        /// The reactions-in-force file cannot be read or written.
        public static let stateFile = Code(.stateFile)
        /// The mice-sandbox helper is missing or not executable.
        public static let sandboxMissing = Code(.sandboxMissing)

        public var description: String {
            switch base {
            case .unauthenticatedRefused: return "unauthenticated mode refused"
            case .tls: return "TLS identity unusable"
            case .badEntry: return "bad reaction table entry"
            case .stateFile: return "state file"
            case .sandboxMissing: return "sandbox helper missing"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// Detail naming the file, line, key or module.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
