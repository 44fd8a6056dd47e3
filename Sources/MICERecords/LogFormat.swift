// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// `LogFormat`, the normalized log record that the DataForwarder sends (inside a ``CipherMsg``)
/// to the buffer daemons.
///
/// One value type serves both wire layouts (``LogFormatLayout``): the seed's 1688-byte 0.1
/// record and the 6608-byte 0.2 record. Fields that the seed layout lacks (`cTimezone`,
/// `iDaylight`, `uiFileType`, `uiPseudonymized`, `logtype`) are neither encoded nor decoded there.
///
/// Text fields hold raw bytes because log data can be binary or invalid UTF-8; decoding reads a
/// field up to its first NUL or its end, encoding stores at most size - 1 bytes so a NUL always
/// follows, and zero-pads. Integers are little-endian. Layout (0.2):
///
/// | field | offset | size |
/// |---|---|---|
/// | cHost | 0 | 256 |
/// | cDomain | 256 | 256 |
/// | cIP | 512 | 30 |
/// | cOSystem | 542 | 20 |
/// | cRelease | 562 | 20 |
/// | cVersion | 582 | 20 |
/// | cDate | 602 | 30 |
/// | cTime | 632 | 30 |
/// | cTimezone | 662 | 30 |
/// | iDaylight | 692 | 4 |
/// | cLogdata | 696 | 4096 |
/// | uiFileType | 4792 | 4 |
/// | uiPseudonymized | 4796 | 4 |
/// | logtype | 4800 | 1804 |
/// | sChkSum | 6604 | 2 (+2 padding) |
///
/// The seed layout has `cLogLine[1024]` at 662 and `sChkSum` at 1686.
public struct LogFormat: Hashable, Sendable, TextFieldAccessible {
    /// `cHost[256]`: short host name.
    public var host: [UInt8]
    /// `cDomain[256]`: DNS domain.
    public var domain: [UInt8]
    /// `cIP[30]`: dotted-quad address of host.domain, or "ERROR".
    public var ipAddress: [UInt8]
    /// `cOSystem[20]`: uname sysname.
    public var operatingSystem: [UInt8]
    /// `cRelease[20]`: uname release.
    public var release: [UInt8]
    /// `cVersion[20]`: uname version.
    public var version: [UInt8]
    /// `cDate[30]`: local date the line was read, "YYYY/MM/DD".
    public var date: [UInt8]
    /// `cTime[30]`: local time, "HH:MM:SS".
    public var time: [UInt8]
    /// `cTimezone[30]`: "tzname[0] tzname[1]" (0.2 only).
    public var timezone: [UInt8]
    /// `iDaylight`: libc `daylight` (0.2 only).
    public var daylight: Int32
    /// The log line: `cLogLine[1024]` (seed) or `cLogdata[4096]` (0.2).
    public var logData: [UInt8]
    /// `uiFileType`: one of the `FTF_*` flags (0.2 only).
    public var fileType: UInt32
    /// `uiPseudonymized`: 1 if a pseudonymizer replaced identifiers (0.2 only).
    public var pseudonymized: UInt32
    /// The `logtype` union (0.2 only).
    public var logType: LogTypeData
    /// `sChkSum`: the stored Internet checksum, as decoded or as given.
    public var checksum: UInt16

    // MARK: Constants (logformat.h)

    /// File type flag: unknown source.
    public static let FTF_UNKNOWN: UInt32 = 0x00
    /// File type flag: plain text file ("file:").
    public static let FTF_FILE: UInt32 = 0x01
    /// File type flag: LAuS audit records ("laus:").
    public static let FTF_LAUS: UInt32 = 0x02
    /// File type flag: system-call log ("scslog:"); `logtype` holds ``SCSLogFormat``.
    public static let FTF_SCSLOG: UInt32 = 0x03
    /// File type flag: packet filter log ("firewall:"); `logtype` holds ``FirewallLogFormat``.
    public static let FTF_FIREWALL: UInt32 = 0x04

    /// Creates a record; every field defaults to empty or zero.
    public init(
        host: [UInt8] = [], domain: [UInt8] = [], ipAddress: [UInt8] = [], operatingSystem: [UInt8] = [],
        release: [UInt8] = [], version: [UInt8] = [], date: [UInt8] = [], time: [UInt8] = [],
        timezone: [UInt8] = [], daylight: Int32 = 0, logData: [UInt8] = [], fileType: UInt32 = 0,
        pseudonymized: UInt32 = 0, logType: LogTypeData = .none, checksum: UInt16 = 0
    ) {
        self.host = host
        self.domain = domain
        self.ipAddress = ipAddress
        self.operatingSystem = operatingSystem
        self.release = release
        self.version = version
        self.date = date
        self.time = time
        self.timezone = timezone
        self.daylight = daylight
        self.logData = logData
        self.fileType = fileType
        self.pseudonymized = pseudonymized
        self.logType = logType
        self.checksum = checksum
    }

    // MARK: Codec

    static let recordType = "LogFormat"
    private static let timezoneOffset = 662
    private static let daylightOffset = 692
    private static let pseudonymizedOffset = 4796
    static let logTypeOffset = 4800

    /// Decodes a record.
    /// - Parameters:
    ///   - bytes: Exactly `layout.size` bytes.
    ///   - layout: The wire layout.
    /// - Throws: ``RecordError`` when the size is wrong.
    public init(decoding bytes: some Collection<UInt8>, layout: LogFormatLayout = .seed) throws(RecordError) {
        self = try RecordReader.withRecord(bytes, size: layout.size, recordType: Self.recordType) { reader in
            LogFormat(reader: reader, layout: layout)
        }
    }

    private init(reader: RecordReader, layout: LogFormatLayout) {
        self.init(
            host: reader.text(at: 0, size: 256),
            domain: reader.text(at: 256, size: 256),
            ipAddress: reader.text(at: 512, size: 30),
            operatingSystem: reader.text(at: 542, size: 20),
            release: reader.text(at: 562, size: 20),
            version: reader.text(at: 582, size: 20),
            date: reader.text(at: 602, size: 30),
            time: reader.text(at: 632, size: 30),
            logData: reader.text(at: layout.logDataOffset, size: layout.logDataCapacity),
            checksum: reader.uint16LE(at: layout.checksumOffset)
        )
        guard let fileTypeOffset = layout.fileTypeOffset else { return }
        timezone = reader.text(at: Self.timezoneOffset, size: 30)
        daylight = reader.int32LE(at: Self.daylightOffset)
        fileType = reader.uint32LE(at: fileTypeOffset)
        pseudonymized = reader.uint32LE(at: Self.pseudonymizedOffset)
        switch fileType {
        case Self.FTF_SCSLOG:
            logType = .scsLog(SCSLogFormat(reader: reader, base: Self.logTypeOffset))
        case Self.FTF_FIREWALL:
            logType = .firewall(FirewallLogFormat(reader: reader, base: Self.logTypeOffset))
        default:
            if reader.isZero(at: Self.logTypeOffset, size: LogTypeData.size) {
                logType = .none
            } else {
                logType = .raw(reader.rawTrimmed(at: Self.logTypeOffset, size: LogTypeData.size))
            }
        }
    }

    /// Encodes the record.
    /// - Parameters:
    ///   - layout: The wire layout.
    ///   - computeChecksum: `true` to compute and store the checksum over the encoded record;
    ///     `false` to store ``checksum`` as it is.
    /// - Returns: `layout.size` bytes.
    public func encode(layout: LogFormatLayout = .seed, computeChecksum: Bool = true) -> [UInt8] {
        var record = [UInt8](repeating: 0, count: layout.size)
        record.withUnsafeMutableBytes { write(into: $0, layout: layout, computeChecksum: computeChecksum) }
        return record
    }

    /// Encodes the record into a caller-owned buffer (no allocation), overwriting all of it.
    /// - Parameters:
    ///   - buffer: Exactly `layout.size` bytes.
    ///   - layout: The wire layout.
    ///   - computeChecksum: As in ``encode(layout:computeChecksum:)``.
    /// - Throws: ``RecordError`` with code `sizeMismatch` when the buffer has the wrong size.
    public func encode(
        into buffer: UnsafeMutableRawBufferPointer, layout: LogFormatLayout = .seed, computeChecksum: Bool = true
    ) throws(RecordError) {
        guard buffer.count == layout.size else {
            throw RecordError(
                .sizeMismatch, recordType: Self.recordType,
                detail: "buffer has \(buffer.count) bytes, the \(layout.rawValue) layout needs \(layout.size)")
        }
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        write(into: buffer, layout: layout, computeChecksum: computeChecksum)
    }

    /// Writes every field into a zeroed buffer of `layout.size` bytes.
    private func write(into buffer: UnsafeMutableRawBufferPointer, layout: LogFormatLayout, computeChecksum: Bool) {
        let writer = RecordWriter(buffer)
        writer.setText(host, at: 0, size: 256)
        writer.setText(domain, at: 256, size: 256)
        writer.setText(ipAddress, at: 512, size: 30)
        writer.setText(operatingSystem, at: 542, size: 20)
        writer.setText(release, at: 562, size: 20)
        writer.setText(version, at: 582, size: 20)
        writer.setText(date, at: 602, size: 30)
        writer.setText(time, at: 632, size: 30)
        writer.setText(logData, at: layout.logDataOffset, size: layout.logDataCapacity)
        if let fileTypeOffset = layout.fileTypeOffset {
            writer.setText(timezone, at: Self.timezoneOffset, size: 30)
            writer.setInt32LE(daylight, at: Self.daylightOffset)
            writer.setUInt32LE(fileType, at: fileTypeOffset)
            writer.setUInt32LE(pseudonymized, at: Self.pseudonymizedOffset)
            switch logType {
            case .none: break
            case .scsLog(let scs): scs.write(to: writer, base: Self.logTypeOffset)
            case .firewall(let firewall): firewall.write(to: writer, base: Self.logTypeOffset)
            case .raw(let bytes): writer.setRaw(bytes, at: Self.logTypeOffset, size: LogTypeData.size)
            }
        }
        if computeChecksum {
            InternetChecksum.store(
                InternetChecksum.compute(UnsafeRawBufferPointer(buffer)), into: buffer, at: layout.checksumOffset)
        } else {
            writer.setUInt16LE(checksum, at: layout.checksumOffset)
        }
    }

    // MARK: Checksum

    /// The checksum the record would get when encoded in `layout`.
    /// - Parameter layout: The wire layout.
    /// - Returns: The checksum.
    public func computedChecksum(layout: LogFormatLayout = .seed) -> UInt16 {
        let record = encode(layout: layout, computeChecksum: true)
        return record.withUnsafeBytes { InternetChecksum.load(from: $0, at: layout.checksumOffset) }
    }

    /// Checks ``checksum`` against the record as encoded in `layout`, accepting the original
    /// DataForwarder's checksum over `uiFileType = 0` (spec section 4).
    ///
    /// Bytes after a field's NUL are not part of the value, so a record that arrived with
    /// garbage there is better verified with ``verifyChecksum(of:layout:)`` on the bytes received.
    /// - Parameter layout: The wire layout.
    /// - Returns: The outcome.
    public func verifyChecksum(layout: LogFormatLayout = .seed) -> ChecksumVerification {
        let record = encode(layout: layout, computeChecksum: false)
        return record.withUnsafeBytes {
            ChecksumVerification.check($0, checksumOffset: layout.checksumOffset, fileTypeOffset: layout.fileTypeOffset)
        }
    }

    /// Checks the stored checksum of an encoded record (the fast path: nothing is decoded),
    /// accepting the DataForwarder's checksum over `uiFileType = 0` for the 0.2 layout.
    /// - Parameters:
    ///   - bytes: Exactly `layout.size` bytes.
    ///   - layout: The wire layout.
    /// - Returns: The outcome.
    /// - Throws: ``RecordError`` when the size is wrong.
    public static func verifyChecksum(of bytes: some Collection<UInt8>, layout: LogFormatLayout = .seed)
        throws(RecordError) -> ChecksumVerification
    {
        try RecordReader.withRecord(bytes, size: layout.size, recordType: recordType) { reader in
            ChecksumVerification.check(
                reader.bytes, checksumOffset: layout.checksumOffset, fileTypeOffset: layout.fileTypeOffset)
        }
    }
}
