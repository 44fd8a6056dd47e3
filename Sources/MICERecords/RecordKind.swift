// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

/// A record type of the original protocol together with its layout variant: everything needed to
/// size, checksum, decode and encode it without knowing its Swift type.
public enum RecordKind: Hashable, Sendable {
    /// `LogFormat` in the given layout.
    case logFormat(LogFormatLayout)
    /// `IdmefMsgFormat`.
    case idmefMessage
    /// `RIDMsgFormat` (no checksum, never enveloped by the original).
    case ridMessage
    /// `stReactionMsg` for the given architecture.
    case reactionMessage(ReactionArchitecture)

    /// `sizeof` the record.
    public var size: Int {
        switch self {
        case .logFormat(let layout): return layout.size
        case .idmefMessage: return IdmefMsgFormat.size
        case .ridMessage: return RIDMsgFormat.size
        case .reactionMessage(let architecture): return architecture.messageSize
        }
    }

    /// The C name of the record.
    public var name: String {
        switch self {
        case .logFormat: return LogFormat.recordType
        case .idmefMessage: return IdmefMsgFormat.recordType
        case .ridMessage: return RIDMsgFormat.recordType
        case .reactionMessage: return ReactionMessage.recordType
        }
    }

    /// The C name of the cipher envelope around the record.
    public var envelopeName: String {
        switch self {
        case .logFormat, .ridMessage: return "CipherMsg"
        case .idmefMessage: return "CipherIdmefMsg"
        case .reactionMessage: return "stCipherRctMsg"
        }
    }

    /// `sizeof` the cipher envelope around the record.
    public var envelopeSize: Int { CipherMsg.size(innerSize: size) }

    /// Whether the record carries an `sChkSum`.
    public var hasChecksum: Bool { self != .ridMessage }

    /// Checks the stored checksum of an encoded record (accepting the LogFormat `uiFileType = 0`
    /// quirk).
    /// - Parameter bytes: Exactly ``size`` bytes.
    /// - Returns: The outcome, or `nil` for a record without checksum.
    /// - Throws: ``RecordError`` when the size is wrong.
    public func verifyChecksum(of bytes: some Collection<UInt8>) throws(RecordError) -> ChecksumVerification? {
        switch self {
        case .logFormat(let layout): return try LogFormat.verifyChecksum(of: bytes, layout: layout)
        case .idmefMessage: return try IdmefMsgFormat.verifyChecksum(of: bytes)
        case .reactionMessage(let architecture):
            return try ReactionMessage.verifyChecksum(of: bytes, architecture: architecture)
        case .ridMessage:
            guard bytes.count == size else {
                throw RecordError(
                    bytes.count < size ? .truncatedRecord : .sizeMismatch, recordType: name,
                    offset: min(bytes.count, size), detail: "expected \(size) bytes, got \(bytes.count)")
            }
            return nil
        }
    }

    /// Decodes an encoded record to its JSON object, with the checksum outcome measured on the
    /// bytes as given.
    /// - Parameter bytes: Exactly ``size`` bytes.
    /// - Returns: A JSON object (see each record's `jsonObject`).
    /// - Throws: ``RecordError`` when the size is wrong.
    public func jsonObject(decoding bytes: some Collection<UInt8>) throws(RecordError) -> JSONValue {
        let verification = try verifyChecksum(of: bytes)
        switch self {
        case .logFormat(let layout):
            return try LogFormat(decoding: bytes, layout: layout).jsonObject(layout: layout, verification: verification)
        case .idmefMessage:
            return try IdmefMsgFormat(decoding: bytes).jsonObject(verification: verification)
        case .ridMessage:
            return try RIDMsgFormat(decoding: bytes).jsonObject
        case .reactionMessage(let architecture):
            return try ReactionMessage(decoding: bytes, architecture: architecture)
                .jsonObject(architecture: architecture, verification: verification)
        }
    }

    /// Encodes a record from its JSON object.
    /// - Parameters:
    ///   - json: The JSON object.
    ///   - keepGivenChecksum: `true` to store the JSON's `sChkSum` as given when it has one;
    ///     otherwise the checksum is computed.
    /// - Returns: ``size`` bytes.
    /// - Throws: ``RecordError`` naming the field at fault.
    public func encode(json: JSONValue, keepGivenChecksum: Bool = false) throws(RecordError) -> [UInt8] {
        let compute = !(keepGivenChecksum && json["sChkSum"] != nil)
        switch self {
        case .logFormat(let layout):
            return try LogFormat(json: json, layout: layout).encode(layout: layout, computeChecksum: compute)
        case .idmefMessage:
            return try IdmefMsgFormat(json: json).encode(computeChecksum: compute)
        case .ridMessage:
            return try RIDMsgFormat(json: json).encode()
        case .reactionMessage(let architecture):
            return try ReactionMessage(json: json).encode(architecture: architecture, computeChecksum: compute)
        }
    }
}
