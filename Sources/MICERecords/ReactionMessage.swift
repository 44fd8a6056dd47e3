// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// `stReactionMsg`: a request from the countermeasure agent to a ReactionDaemon, or its reply,
/// sent inside an `stCipherRctMsg` (``CipherMsg``).
///
/// Layout (i386 / x86_64): `sChkSum` at 0 (little-endian, the checksum over the whole message
/// with the field zero), padding, `Timestamp` at 4 / 8 (the low 32 bits in network order; on
/// x86_64 the 4 bytes after them are zero), `Mode` at 8 / 16 (network order), the `ModeData`
/// union at 12 / 20 (20560 / 41040 bytes), 0 / 4 bytes of tail padding; 20572 / 41064 bytes.
public struct ReactionMessage: Hashable, Sendable {
    /// `sChkSum`: the stored checksum, as decoded or as given.
    public var checksum: UInt16
    /// `Timestamp`: seconds since the epoch (low 32 bits), for the daemon's replay check.
    public var timestamp: UInt32
    /// `Mode`: one of the `MID_*` constants.
    public var mode: UInt32
    /// `ModeData`: the union member for ``mode``.
    public var modeData: ReactionModeData

    // MARK: Constants (reaction-mesg-format.h)

    /// Mode: execute a reaction (``ReactionModeData/exec(_:)``).
    public static let MID_EXEC: UInt32 = 0x001001
    /// Mode: show.
    public static let MID_SHOW: UInt32 = 0x001002
    /// Mode: check a function ID.
    public static let MID_CHECK: UInt32 = 0x001003
    /// Mode: a reply carrying a return value.
    public static let MID_RETVAL: UInt32 = 0x001004
    /// Mode: list all modules (never sent).
    public static let MID_ALL: UInt32 = 0x001005
    /// Mode: supported (never sent).
    public static let MID_SUPPORTED: UInt32 = 0x001006
    /// Mode: error.
    public static let MID_ERROR: UInt32 = 0x00FFFF

    /// Return value: success.
    public static let RID_SUCCESS: Int32 = 0x100001
    /// Return value: unknown mode.
    public static let RID_UNKNOWNMODE: Int32 = 0x100002
    /// Return value: wrong number of arguments.
    public static let RID_NARGS: Int32 = 0x100003
    /// Return value: unknown function ID.
    public static let RID_UNKNOWNFUNC: Int32 = 0x100004
    /// Return value: error.
    public static let RID_ERROR: Int32 = 0xFFFFFF

    /// `MAX_FUNCID`: entries of `stAllMsg`.
    public static let MAX_FUNCID = 20
    /// `MAX_MODNAME`.
    public static let MAX_MODNAME = 255

    static let recordType = "stReactionMsg"
    /// Offset of `sChkSum`.
    public static let checksumOffset = 0

    /// Creates a message.
    /// - Parameters:
    ///   - checksum: The stored checksum, used when encoding without computing one.
    ///   - timestamp: Seconds since the epoch.
    ///   - mode: A `MID_*` constant.
    ///   - modeData: The union member.
    public init(checksum: UInt16 = 0, timestamp: UInt32 = 0, mode: UInt32, modeData: ReactionModeData) {
        self.checksum = checksum
        self.timestamp = timestamp
        self.mode = mode
        self.modeData = modeData
    }

    /// The C name of a mode (`MID_EXEC`, ...), or `nil` for an unknown value.
    /// - Parameter mode: The mode value.
    /// - Returns: The name.
    public static func modeName(_ mode: UInt32) -> String? {
        switch mode {
        case MID_EXEC: return "MID_EXEC"
        case MID_SHOW: return "MID_SHOW"
        case MID_CHECK: return "MID_CHECK"
        case MID_RETVAL: return "MID_RETVAL"
        case MID_ALL: return "MID_ALL"
        case MID_SUPPORTED: return "MID_SUPPORTED"
        case MID_ERROR: return "MID_ERROR"
        default: return nil
        }
    }

    /// The C name of a return value (`RID_SUCCESS`, ...), or `nil` for an unknown value.
    /// - Parameter value: The return value.
    /// - Returns: The name.
    public static func returnValueName(_ value: Int32) -> String? {
        switch value {
        case RID_SUCCESS: return "RID_SUCCESS"
        case RID_UNKNOWNMODE: return "RID_UNKNOWNMODE"
        case RID_NARGS: return "RID_NARGS"
        case RID_UNKNOWNFUNC: return "RID_UNKNOWNFUNC"
        case RID_ERROR: return "RID_ERROR"
        default: return nil
        }
    }

    // MARK: Codec

    /// Decodes a message.
    /// - Parameters:
    ///   - bytes: Exactly `architecture.messageSize` bytes.
    ///   - architecture: The sender's architecture variant.
    /// - Throws: ``RecordError`` when the size is wrong.
    public init(decoding bytes: some Collection<UInt8>, architecture: ReactionArchitecture = .x86_64)
        throws(RecordError)
    {
        let size = architecture.messageSize
        self = try RecordReader.withRecord(bytes, size: size, recordType: Self.recordType) { reader in
            let mode = reader.uint32BE(at: architecture.modeOffset)
            let base = architecture.modeDataOffset
            let modeData: ReactionModeData
            switch mode {
            case Self.MID_EXEC: modeData = .exec(ExecMessage(reader: reader, base: base))
            case Self.MID_SHOW: modeData = .show(reader.uint32BE(at: base))
            case Self.MID_CHECK: modeData = .check(functionID: reader.uint32BE(at: base))
            case Self.MID_RETVAL: modeData = .retval(reader.int32BE(at: base))
            case Self.MID_SUPPORTED: modeData = .supported(reader.uint32BE(at: base))
            default: modeData = .raw(reader.rawTrimmed(at: base, size: architecture.modeDataSize))
            }
            return ReactionMessage(
                checksum: reader.uint16LE(at: Self.checksumOffset),
                timestamp: reader.uint32BE(at: architecture.timestampOffset),
                mode: mode, modeData: modeData)
        }
    }

    /// Encodes the message, all padding zero.
    /// - Parameters:
    ///   - architecture: The receiver's architecture variant.
    ///   - computeChecksum: `true` to compute and store the checksum; `false` to store
    ///     ``checksum`` as it is.
    /// - Returns: `architecture.messageSize` bytes.
    public func encode(architecture: ReactionArchitecture = .x86_64, computeChecksum: Bool = true) -> [UInt8] {
        var record = RecordWriter.makeRecord(size: architecture.messageSize) { writer in
            writer.setUInt16LE(checksum, at: Self.checksumOffset)
            writer.setUInt32BE(timestamp, at: architecture.timestampOffset)
            writer.setUInt32BE(mode, at: architecture.modeOffset)
            let base = architecture.modeDataOffset
            switch modeData {
            case .exec(let exec): exec.write(to: writer, base: base)
            case .show(let value): writer.setUInt32BE(value, at: base)
            case .check(let functionID): writer.setUInt32BE(functionID, at: base)
            case .retval(let value): writer.setInt32BE(value, at: base)
            case .supported(let value): writer.setUInt32BE(value, at: base)
            case .raw(let bytes): writer.setRaw(bytes, at: base, size: architecture.modeDataSize)
            }
        }
        if computeChecksum {
            record.withUnsafeMutableBytes { buffer in
                let value = InternetChecksum.compute(UnsafeRawBufferPointer(buffer), treatingAsZero: 0..<2)
                InternetChecksum.store(value, into: buffer, at: Self.checksumOffset)
            }
        }
        return record
    }

    /// Checks ``checksum`` against the message as encoded.
    /// - Parameter architecture: The architecture variant.
    /// - Returns: The outcome.
    public func verifyChecksum(architecture: ReactionArchitecture = .x86_64) -> ChecksumVerification {
        encode(architecture: architecture, computeChecksum: false).withUnsafeBytes {
            ChecksumVerification.check($0, checksumOffset: Self.checksumOffset)
        }
    }

    /// Checks the stored checksum of an encoded message without decoding it.
    /// - Parameters:
    ///   - bytes: Exactly `architecture.messageSize` bytes.
    ///   - architecture: The architecture variant.
    /// - Returns: The outcome.
    /// - Throws: ``RecordError`` when the size is wrong.
    public static func verifyChecksum(of bytes: some Collection<UInt8>, architecture: ReactionArchitecture = .x86_64)
        throws(RecordError) -> ChecksumVerification
    {
        try RecordReader.withRecord(bytes, size: architecture.messageSize, recordType: recordType) { reader in
            ChecksumVerification.check(reader.bytes, checksumOffset: checksumOffset)
        }
    }
}
