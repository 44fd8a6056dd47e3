// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Which wire layout of the original `LogFormat` struct a link uses.
///
/// Both layouts are 4-byte aligned and identical on i386 and x86_64; they share the first eight
/// text fields (`cHost` ... `cTime`, offsets 0 to 661).
public enum LogFormatLayout: String, Hashable, Sendable, CaseIterable {
    /// The layout printed in the M-ICE Developer Guide 0.1: the eight text fields,
    /// `cLogLine[1024]` at 662 and `sChkSum` at 1686; 1688 bytes. The project's default.
    case seed = "seed"
    /// The layout of the last public code (0.2): adds `cTimezone`, `iDaylight`, `cLogdata[4096]`,
    /// `uiFileType`, `uiPseudonymized` and the 1804-byte `logtype` union; `sChkSum` at 6604,
    /// 2 padding bytes; 6608 bytes.
    case v02 = "0.2"

    /// `sizeof(LogFormat)`.
    public var size: Int {
        switch self {
        case .seed: return 1688
        case .v02: return 6608
        }
    }

    /// Offset of the log data field (`cLogLine` or `cLogdata`).
    public var logDataOffset: Int {
        switch self {
        case .seed: return 662
        case .v02: return 696
        }
    }

    /// Size of the log data field; at most `logDataCapacity - 1` bytes are stored.
    public var logDataCapacity: Int {
        switch self {
        case .seed: return 1024
        case .v02: return 4096
        }
    }

    /// The C name of the log data field.
    public var logDataFieldName: String {
        switch self {
        case .seed: return "cLogLine"
        case .v02: return "cLogdata"
        }
    }

    /// Offset of the 2-byte checksum `sChkSum`.
    public var checksumOffset: Int {
        switch self {
        case .seed: return 1686
        case .v02: return 6604
        }
    }

    /// Offset of `uiFileType`, which only the 0.2 layout has.
    public var fileTypeOffset: Int? {
        switch self {
        case .seed: return nil
        case .v02: return 4792
        }
    }

    /// Whether the layout has the 0.2 fields (timezone, daylight, file type, pseudonymized flag,
    /// `logtype` union).
    public var hasExtendedFields: Bool { self == .v02 }
}
