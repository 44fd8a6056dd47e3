// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An error that keeps the BufferDaemon from starting (or from saving its state).
public struct BufferDaemonError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case unknownModule, wrongModuleKind, moduleConfiguration, moduleStart, bindFailed, stateDirectory
            case watermarkFile, writeFailed, tls
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No valid plugin has the module name of DEC_MOD / POP_MOD.
        public static let unknownModule = Code(.unknownModule)
        /// The plugin is not a decoding (DEC_MOD) or postprocessing (POP_MOD) module.
        public static let wrongModuleKind = Code(.wrongModuleKind)
        /// DEC_FILE / POP_FILE cannot be read or is not a JSON object of option values.
        public static let moduleConfiguration = Code(.moduleConfiguration)
        /// The decoding module did not start, or announced no usable record size.
        public static let moduleStart = Code(.moduleStart)
        /// A listener could not be bound.
        public static let bindFailed = Code(.bindFailed)
        /// The state directory cannot be created or written.
        public static let stateDirectory = Code(.stateDirectory)
        /// A watermark file cannot be read or written.
        public static let watermarkFile = Code(.watermarkFile)
        /// A file (watermarks, ready file, stats file) cannot be written.
        public static let writeFailed = Code(.writeFailed)
        /// The TLS material of `[TLS]` (PKIDIR, TLSNAME) cannot be loaded.
        public static let tls = Code(.tls)

        public var description: String {
            switch base {
            case .unknownModule: return "unknown module"
            case .wrongModuleKind: return "wrong module kind"
            case .moduleConfiguration: return "bad module configuration"
            case .moduleStart: return "module start failed"
            case .bindFailed: return "bind failed"
            case .stateDirectory: return "state directory unusable"
            case .watermarkFile: return "watermark file unusable"
            case .writeFailed: return "cannot write file"
            case .tls: return "TLS setup failed"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The entry (1-based position in the parallel lists), when the error belongs to one.
    public var entry: Int?
    /// The configuration line of that entry (its BINDTO item), when known.
    public var line: Int?
    /// The file concerned (configuration, module file, watermark file), when there is one.
    public var file: String?
    /// Human-readable detail.
    public var detail: String

    public init(_ code: Code, entry: Int? = nil, line: Int? = nil, file: String? = nil, _ detail: String) {
        self.code = code
        self.entry = entry
        self.line = line
        self.file = file
        self.detail = detail
    }

    public var description: String {
        var parts: [String] = []
        if let file {
            parts.append(line.map { "\(file):\($0)" } ?? file)
        } else if let line {
            parts.append("line \(line)")
        }
        if let entry { parts.append("entry \(entry)") }
        parts.append("\(code): \(detail)")
        return parts.joined(separator: ": ")
    }
}
