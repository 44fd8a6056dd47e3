// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The type tag of a DataForwarder `FILE` entry (`file:`, `scslog:`, `firewall:`, `laus:`).
///
/// ``fileTypeFlag`` is the original `FTF_*` value that goes into a record's `uiFileType`
/// (the same numbers as `MICERecords.LogFormat.FTF_*`). Unlike the original, `firewall:` is
/// recognised.
public enum LogFileTag: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `file:` — a plain text log (FTF_FILE).
    case file
    /// `laus:` — a Linux Audit Subsystem log (FTF_LAUS).
    case laus
    /// `scslog:` — scslog2syslog lines (FTF_SCSLOG).
    case scslog
    /// `firewall:` — SuSEfirewall iptables lines (FTF_FIREWALL).
    case firewall

    /// The original `FTF_*` flag: file 0x01, laus 0x02, scslog 0x03, firewall 0x04.
    public var fileTypeFlag: UInt32 {
        switch self {
        case .file: return 0x01
        case .laus: return 0x02
        case .scslog: return 0x03
        case .firewall: return 0x04
        }
    }

    /// The tag as written in a FILE entry, with its colon.
    public var description: String { rawValue + ":" }
}
