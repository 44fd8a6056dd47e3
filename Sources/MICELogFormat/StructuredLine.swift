// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords

/// What the enhanced format module stores besides the line itself: the file type and the
/// structured `logtype` part of a 0.2 record.
public struct StructuredLine: Hashable, Sendable {
    /// How the line was read.
    public enum Outcome: Hashable, Sendable {
        /// A plain line (FTF_FILE, FTF_UNKNOWN, FTF_LAUS, another type): no structured part.
        case plain
        /// The structured part was filled; `problems` lists fields missing or malformed.
        case parsed(problems: [String])
        /// A typed line (FTF_SCSLOG or FTF_FIREWALL) of which nothing parsed: kept with an
        /// all-zero structured part.
        case unparsed
    }

    /// `uiFileType` to store.
    public var fileType: UInt32
    /// The `logtype` union to store.
    public var logType: LogTypeData
    /// How the line was read.
    public var outcome: Outcome

    /// Creates a value.
    public init(fileType: UInt32, logType: LogTypeData, outcome: Outcome) {
        self.fileType = fileType
        self.logType = logType
        self.outcome = outcome
    }

    /// Reads `line` of `fileType`.
    ///
    /// FTF_SCSLOG lines go through ``SCSLogParser``, FTF_FIREWALL lines through
    /// ``FirewallLogParser``. Every other type is kept as a plain line: the original dropped
    /// "file:" lines (spec section 11, item 17); no line is dropped here. With `detectTypes`,
    /// FTF_FILE and FTF_UNKNOWN lines that are packet-filter or scslog2syslog lines get that file
    /// type and their structured part (the original DataForwarder never tagged a file
    /// "firewall:", so syslog files mixing kernel and other lines are the usual case).
    /// - Parameters:
    ///   - line: The raw line.
    ///   - fileType: The CALL's file type.
    ///   - detectTypes: Whether to recognize typed lines in untyped files.
    public static func read(_ line: UnsafeRawBufferPointer, fileType: UInt32, detectTypes: Bool) -> StructuredLine {
        switch fileType {
        case LogFormat.FTF_SCSLOG:
            return scsLog(line) ?? StructuredLine(fileType: fileType, logType: .none, outcome: .unparsed)
        case LogFormat.FTF_FIREWALL:
            return firewall(line) ?? StructuredLine(fileType: fileType, logType: .none, outcome: .unparsed)
        case LogFormat.FTF_FILE, LogFormat.FTF_UNKNOWN:
            guard detectTypes else { return StructuredLine(fileType: fileType, logType: .none, outcome: .plain) }
            if FirewallLogParser.recognizes(line), let result = firewall(line) { return result }
            if SCSLogParser.recognizes(line), let result = scsLog(line) { return result }
            return StructuredLine(fileType: fileType, logType: .none, outcome: .plain)
        default:
            return StructuredLine(fileType: fileType, logType: .none, outcome: .plain)
        }
    }

    private static func scsLog(_ line: UnsafeRawBufferPointer) -> StructuredLine? {
        SCSLogParser.parse(line).map {
            StructuredLine(
                fileType: LogFormat.FTF_SCSLOG, logType: .scsLog($0.record), outcome: .parsed(problems: $0.problems))
        }
    }

    private static func firewall(_ line: UnsafeRawBufferPointer) -> StructuredLine? {
        FirewallLogParser.parse(line).map {
            StructuredLine(
                fileType: LogFormat.FTF_FIREWALL, logType: .firewall($0.record),
                outcome: .parsed(problems: $0.problems))
        }
    }
}
