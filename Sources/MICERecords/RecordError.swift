// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An error while decoding or encoding one of the original M-ICE records.
///
/// Names the record type (the C struct name, for example `CipherMsg`), the field when one is at
/// fault, and the byte offset in the record or in the stream. Extensible in the ServiceLifecycle
/// style: new codes can be added without breaking callers.
public struct RecordError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case truncatedRecord, sizeMismatch, cipherTextLengthMismatch, invalidIV, checksumMismatch
            case invalidJSON, valueOutOfRange
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The input ended inside a record (a short read at end of file or a too-small buffer).
        public static let truncatedRecord = Code(.truncatedRecord)
        /// A buffer does not have the exact size of the record.
        public static let sizeMismatch = Code(.sizeMismatch)
        /// A cipher envelope's `CipherTextLen` differs from the size of the record it must carry.
        public static let cipherTextLengthMismatch = Code(.cipherTextLengthMismatch)
        /// An initialisation vector of the wrong length or an unparsable hex string.
        public static let invalidIV = Code(.invalidIV)
        /// The stored checksum does not match the record.
        public static let checksumMismatch = Code(.checksumMismatch)
        /// A JSON document that does not describe the record (wrong type, unknown shape, bad base64).
        public static let invalidJSON = Code(.invalidJSON)
        /// A number outside the range of its field.
        public static let valueOutOfRange = Code(.valueOutOfRange)

        public var description: String {
            switch base {
            case .truncatedRecord: return "truncated record"
            case .sizeMismatch: return "record size mismatch"
            case .cipherTextLengthMismatch: return "CipherTextLen mismatch"
            case .invalidIV: return "invalid IV"
            case .checksumMismatch: return "checksum mismatch"
            case .invalidJSON: return "invalid JSON"
            case .valueOutOfRange: return "value out of range"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The C name of the record type, for example `LogFormat` or `stCipherRctMsg`.
    public var recordType: String
    /// The C name of the field at fault, when there is one.
    public var field: String?
    /// Byte offset where the problem was found: inside the record, or in the stream once
    /// ``shifted(by:)`` has been applied.
    public var offset: Int?
    /// Human-readable detail: sizes, values seen.
    public var detail: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - recordType: The C name of the record type.
    ///   - field: The C name of the field at fault, if any.
    ///   - offset: The byte offset of the problem, if known.
    ///   - detail: Human-readable detail.
    public init(_ code: Code, recordType: String, field: String? = nil, offset: Int? = nil, detail: String) {
        self.code = code
        self.recordType = recordType
        self.field = field
        self.offset = offset
        self.detail = detail
    }

    /// The same error with its offset moved by `base` bytes (an offset inside a record turned into
    /// an offset inside a stream of records); an error without an offset gets `base`.
    /// - Parameter base: Offset of the record in the stream.
    /// - Returns: The shifted error.
    public func shifted(by base: Int) -> RecordError {
        var copy = self
        copy.offset = (offset ?? 0) + base
        return copy
    }

    public var description: String {
        var subject = recordType
        if let field { subject += ".\(field)" }
        if let offset { return "\(code) in \(subject) at byte offset \(offset): \(detail)" }
        return "\(code) in \(subject): \(detail)"
    }
}
