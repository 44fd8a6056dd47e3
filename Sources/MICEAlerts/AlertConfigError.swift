// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A configuration of the management host that cannot be used: act-generic's settings, a match
/// file, a FIFO; names the file, line and key where known.
public struct AlertConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// A match file cannot be read or parsed.
        public static let matchFile = Code("match file")
        /// A setting is invalid (list lengths, reaction IDs, users).
        public static let invalidSetting = Code("invalid setting")
        /// A FIFO cannot be created or is not a FIFO of the right owner.
        public static let fifo = Code("FIFO")

        public var description: String { name }
    }

    /// What is wrong.
    public var code: Code
    /// The file at fault.
    public var file: String?
    /// Its line.
    public var line: Int?
    /// The key at fault.
    public var key: String?
    /// Detail.
    public var message: String

    public init(_ code: Code, file: String? = nil, line: Int? = nil, key: String? = nil, _ message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        var text = "\(code)"
        if let file { text += " \(file)" + (line.map { ":\($0)" } ?? "") }
        if let key { text += " key \"\(key)\"" }
        return text + ": " + message
    }
}
