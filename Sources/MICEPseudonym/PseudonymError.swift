// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Why a key, a pattern or a pseudonym was refused.
public struct PseudonymError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case badKey, keyFile, notAPseudonym, doesNotAuthenticate, badPattern, badValue
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A key that is not base64 or shorter than 16 bytes.
        public static let badKey = Code(.badKey)
        /// A key file that cannot be read.
        public static let keyFile = Code(.keyFile)
        /// Text that is not shaped like a pseudonym (unknown prefix, not base64url, too short).
        public static let notAPseudonym = Code(.notAPseudonym)
        /// A pseudonym whose authenticator does not match under the key: made with another key,
        /// or altered.
        public static let doesNotAuthenticate = Code(.doesNotAuthenticate)
        /// An identifier pattern that does not compile or lacks the `value` group.
        public static let badPattern = Code(.badPattern)
        /// A value that its kind cannot hold (an IP address that is none, an empty value).
        public static let badValue = Code(.badValue)

        public var description: String {
            switch value {
            case .badKey: return "bad key"
            case .keyFile: return "key file unreadable"
            case .notAPseudonym: return "not a pseudonym"
            case .doesNotAuthenticate: return "does not authenticate"
            case .badPattern: return "bad pattern"
            case .badValue: return "bad value"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What was refused, with its context (the key file's path, the pseudonym, the pattern).
    public var message: String
    /// The configuration key at fault (`key`, `patterns[2].pattern`), for configuration errors.
    public var key: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, key: String? = nil) {
        self.code = code
        self.message = message
        self.key = key
    }

    public var description: String { key.map { "config key \"\($0)\": \(message)" } ?? message }
}
