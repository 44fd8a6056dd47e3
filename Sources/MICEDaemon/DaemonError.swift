// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An error a daemon reports before or while it starts: a module that cannot be found or
/// configured, a file it cannot write. The message names the file, module or key at fault.
public struct DaemonError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case unknownModule, wrongKind, moduleConfig, pluginsUnreadable, fileWrite
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No valid plugin has that name or original (legacy) name.
        public static let unknownModule = Code(.unknownModule)
        /// The plugin found is of another kind than the configuration slot needs.
        public static let wrongKind = Code(.wrongKind)
        /// The module's configuration file is unreadable or invalid.
        public static let moduleConfig = Code(.moduleConfig)
        /// The plugins folder cannot be read.
        public static let pluginsUnreadable = Code(.pluginsUnreadable)
        /// A ready, stats or state file cannot be written.
        public static let fileWrite = Code(.fileWrite)

        public var description: String {
            switch base {
            case .unknownModule: return "unknown module"
            case .wrongKind: return "wrong module kind"
            case .moduleConfig: return "module configuration"
            case .pluginsUnreadable: return "plugins unreadable"
            case .fileWrite: return "cannot write file"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// Detail naming the file, module or key.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
