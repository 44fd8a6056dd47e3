// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The outcome of checking a record's stored checksum.
public enum ChecksumVerification: Hashable, Sendable, CustomStringConvertible {
    /// The stored checksum matches the record as it is.
    case valid
    /// The stored checksum matches the record with `uiFileType` set to 0: a LogFormat from the
    /// original DataForwarder, which computes the checksum before it sets the file type
    /// (spec section 4). Accepted for compatibility.
    case validWithFileTypeZero
    /// The stored checksum matches neither.
    case invalid(stored: UInt16, computed: UInt16)

    /// Whether a compatible receiver accepts the record.
    public var isAccepted: Bool {
        switch self {
        case .valid, .validWithFileTypeZero: return true
        case .invalid: return false
        }
    }

    /// A short tag for JSON and logs: `valid`, `valid-uiFileType-0` or `invalid`.
    public var tag: String {
        switch self {
        case .valid: return "valid"
        case .validWithFileTypeZero: return "valid-uiFileType-0"
        case .invalid: return "invalid"
        }
    }

    public var description: String {
        switch self {
        case .valid: return "valid"
        case .validWithFileTypeZero: return "valid (computed with uiFileType = 0)"
        case .invalid(let stored, let computed):
            return "invalid (stored \(RecordJSON.hex16(stored)), computed \(RecordJSON.hex16(computed)))"
        }
    }

    /// Checks the checksum field of a record.
    /// - Parameters:
    ///   - record: The whole record.
    ///   - checksumOffset: Offset of the 2-byte checksum field.
    ///   - fileTypeOffset: Offset of a 4-byte `uiFileType` field whose zeroing is also accepted
    ///     (the DataForwarder quirk), or `nil`.
    /// - Returns: The outcome.
    static func check(_ record: UnsafeRawBufferPointer, checksumOffset: Int, fileTypeOffset: Int? = nil)
        -> ChecksumVerification
    {
        let stored = InternetChecksum.load(from: record, at: checksumOffset)
        let field = checksumOffset..<(checksumOffset + 2)
        let computed = InternetChecksum.compute(record, treatingAsZero: field)
        if computed == stored { return .valid }
        if let fileTypeOffset {
            let quirk = InternetChecksum.compute(record, treatingAsZero: field, fileTypeOffset..<(fileTypeOffset + 4))
            if quirk == stored { return .validWithFileTypeZero }
        }
        return .invalid(stored: stored, computed: computed)
    }
}
