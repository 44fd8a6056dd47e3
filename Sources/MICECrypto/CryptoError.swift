// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An error of the legacy record encryption.
///
/// Extensible in the ServiceLifecycle style: new codes can be added without breaking callers.
public struct CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case keyTooShort, invalidIV, libraryFailure, plaintextRejected, checksumMismatch, missingKey
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The password is shorter than the original's `MIN_KEYLEN` of 5 bytes.
        public static let keyTooShort = Code(.keyTooShort)
        /// An IV that is not 16 bytes.
        public static let invalidIV = Code(.invalidIV)
        /// libmcrypt could not open Twofish/CFB or failed to process data.
        public static let libraryFailure = Code(.libraryFailure)
        /// A plaintext envelope (`IVLen = 0`) where the caller accepts only encrypted ones.
        public static let plaintextRejected = Code(.plaintextRejected)
        /// The inner record's checksum does not verify (after decryption usually a wrong key).
        public static let checksumMismatch = Code(.checksumMismatch)
        /// An encrypted record but no key to decrypt or encrypt it.
        public static let missingKey = Code(.missingKey)

        public var description: String {
            switch base {
            case .keyTooShort: return "key too short"
            case .invalidIV: return "invalid IV"
            case .libraryFailure: return "libmcrypt failure"
            case .plaintextRejected: return "plaintext record rejected"
            case .checksumMismatch: return "checksum mismatch"
            case .missingKey: return "missing key"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// Human-readable detail.
    public var detail: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - detail: Human-readable detail.
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code): \(detail)" }
}
