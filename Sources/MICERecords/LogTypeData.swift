// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The content of the 1804-byte `logtype` union of a 0.2 `LogFormat`.
///
/// Decoding chooses the member from `uiFileType`: `FTF_SCSLOG` gives ``scsLog(_:)``,
/// `FTF_FIREWALL` gives ``firewall(_:)``; any other file type gives ``none`` when the union is all
/// zero and ``raw(_:)`` (the union's bytes without trailing zeros) otherwise, so nothing is lost.
public enum LogTypeData: Hashable, Sendable {
    /// An all-zero union.
    case none
    /// `SCSLogFormat`: system-call audit data.
    case scsLog(SCSLogFormat)
    /// `FirewallLogFormat`: a parsed packet-filter line.
    case firewall(FirewallLogFormat)
    /// Bytes of a union that matches neither member; up to 1804, zero-padded when encoded.
    case raw([UInt8])

    /// `sizeof` the union.
    public static let size = 1804
}
