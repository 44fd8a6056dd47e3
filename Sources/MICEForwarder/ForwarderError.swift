// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A failure that stops the DataForwarder (configuration, modules, links, privileges).
///
/// Extensible in the ServiceLifecycle style: new codes can be added without breaking callers.
public struct ForwarderError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case configuration, module, link, privileges, positions, pipeline
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The configuration file or a command-line override is unusable (exit status 78).
        public static let configuration = Code(.configuration)
        /// A module cannot be found, configured or started.
        public static let module = Code(.module)
        /// A link's spool cannot be opened or written.
        public static let link = Code(.link)
        /// The fd server cannot be started or root cannot be given up.
        public static let privileges = Code(.privileges)
        /// Saved positions (a link's checkpoint or the position file) are unreadable.
        public static let positions = Code(.positions)
        /// A batch could not go through the modules (a module failed for good).
        public static let pipeline = Code(.pipeline)

        public var description: String {
            switch base {
            case .configuration: return "bad configuration"
            case .module: return "module unusable"
            case .link: return "link failure"
            case .privileges: return "privilege separation failed"
            case .positions: return "positions unreadable"
            case .pipeline: return "module pipeline failed"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The file, module or link concerned.
    public var subject: String
    /// Human-readable detail.
    public var detail: String

    public init(_ code: Code, subject: String, _ detail: String) {
        self.code = code
        self.subject = subject
        self.detail = detail
    }

    /// The process exit status for this error: 78 (EX_CONFIG) for configuration problems, else 1.
    public var exitStatus: Int32 { code == .configuration || code == .module ? 78 : 1 }

    public var description: String { "\(subject): \(code): \(detail)" }
}
