// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords

/// The tables of the raw-log database, with the original names (spec section 9).
public enum RawLogTable: String, CaseIterable, Hashable, Sendable, Comparable {
    /// `rawlog_line`: plain log lines (`FTF_FILE`), unknown file types and LAuS records.
    case rawlog = "rawlog_line"
    /// `scslog_line`: system-call audit records (`FTF_SCSLOG`).
    case scslog = "scslog_line"
    /// `firewall_line`: packet-filter records (`FTF_FIREWALL`).
    case firewall = "firewall_line"

    /// The table's SQL name.
    public var name: String { rawValue }

    /// The table a record of `fileType` goes to: `FTF_SCSLOG` to `scslog_line`, `FTF_FIREWALL` to
    /// `firewall_line`, everything else (`FTF_FILE`, `FTF_UNKNOWN`, `FTF_LAUS`, unknown values)
    /// to `rawlog_line`, so no record is dropped for its type.
    public static func forFileType(_ fileType: UInt32) -> RawLogTable {
        switch fileType {
        case LogFormat.FTF_SCSLOG: return .scslog
        case LogFormat.FTF_FIREWALL: return .firewall
        default: return .rawlog
        }
    }

    public static func < (lhs: RawLogTable, rhs: RawLogTable) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
