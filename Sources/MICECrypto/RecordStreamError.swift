// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An error in a stream of records or of JSON lines, with its position: the record's number and
/// byte offset in a binary stream, or the line number in a JSON-lines stream.
public struct RecordStreamError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case truncatedRecord, invalidRecord, malformedJSON, invalidJSONRecord, encryptionFailed, ioFailed
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The binary stream ended inside a record.
        public static let truncatedRecord = Code(.truncatedRecord)
        /// A binary record that does not decode (for example a wrong `CipherTextLen`).
        public static let invalidRecord = Code(.invalidRecord)
        /// A line that is not JSON.
        public static let malformedJSON = Code(.malformedJSON)
        /// A JSON line that does not describe a record of the stream's type.
        public static let invalidJSONRecord = Code(.invalidJSONRecord)
        /// Encryption or decryption failed (bad key, no key for an encrypted record).
        public static let encryptionFailed = Code(.encryptionFailed)
        /// Reading or writing failed.
        public static let ioFailed = Code(.ioFailed)

        public var description: String {
            switch base {
            case .truncatedRecord: return "truncated record"
            case .invalidRecord: return "invalid record"
            case .malformedJSON: return "malformed JSON"
            case .invalidJSONRecord: return "invalid record JSON"
            case .encryptionFailed: return "encryption failed"
            case .ioFailed: return "I/O failed"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// 1-based number of the record (binary input) or of the JSON record (JSON input).
    public var recordNumber: Int
    /// Byte offset in the binary input, when the input is binary.
    public var offset: Int?
    /// 1-based line number in the JSON input, when the input is JSON lines.
    public var line: Int?
    /// Human-readable detail, usually the underlying error.
    public var detail: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - recordNumber: 1-based record number.
    ///   - offset: Byte offset in binary input.
    ///   - line: Line number in JSON input.
    ///   - detail: Human-readable detail.
    public init(_ code: Code, recordNumber: Int, offset: Int? = nil, line: Int? = nil, detail: String) {
        self.code = code
        self.recordNumber = recordNumber
        self.offset = offset
        self.line = line
        self.detail = detail
    }

    public var description: String {
        var position = "record \(recordNumber)"
        if let line { position = "line \(line)" }
        if let offset { position += " at byte offset \(offset)" }
        return "\(position): \(code): \(detail)"
    }
}
