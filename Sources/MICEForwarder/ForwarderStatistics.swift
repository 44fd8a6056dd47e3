// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

/// The DataForwarder's counters since it started (written to the stats file).
public struct ForwarderStatistics: Sendable, Hashable {
    /// Counters of one link.
    public struct Link: Sendable, Hashable {
        /// The link's name (`rawlogdb`, `analysis`).
        public var name: String
        /// Records handed to the link's spool by this process.
        public var recordsSent: UInt64 = 0
        /// Lines not sent because the link already had them (read again after a restart).
        public var linesAlreadySent: UInt64 = 0
        /// Records in the spool, not yet acknowledged (legacy: not yet written).
        public var pending: UInt64 = 0
        /// Records written to a socket (resends included).
        public var recordsWritten: UInt64 = 0
        /// Records dropped by a full spool.
        public var recordsDropped: UInt64 = 0
        /// Size of the spool files.
        public var spoolBytes: UInt64 = 0
        /// Successful connections.
        public var connections: UInt64 = 0

        public init(name: String) {
            self.name = name
        }
    }

    /// Lines read from the files.
    public var linesRead: UInt64 = 0
    /// Lines longer than MAXLINELEN, cut.
    public var truncatedLines: UInt64 = 0
    /// Lines the format module returned non-zero for (dropped).
    public var formatDropped: UInt64 = 0
    /// Lines whose format call failed (module error).
    public var formatFailures: UInt64 = 0
    /// Records the filter dropped (return value 1).
    public var filtered: UInt64 = 0
    /// Filter calls that failed (the record is kept, as the original did for -1).
    public var filterFailures: UInt64 = 0
    /// Pseudonymizer calls that failed (the record is dropped: it is never sent in clear).
    public var pseudonymizerFailures: UInt64 = 0
    /// Records built (after filter and pseudonymizer).
    public var records: UInt64 = 0
    /// Batches processed.
    public var batches: UInt64 = 0
    /// Per link.
    public var links: [Link] = []

    public init() {}

    /// The JSON of the stats file.
    public var json: JSONValue {
        func number(_ value: UInt64) -> JSONValue { .int(Int64(clamping: value)) }
        return .object([
            "linesRead": number(linesRead),
            "truncatedLines": number(truncatedLines),
            "formatDropped": number(formatDropped),
            "formatFailures": number(formatFailures),
            "filtered": number(filtered),
            "filterFailures": number(filterFailures),
            "pseudonymizerFailures": number(pseudonymizerFailures),
            "records": number(records),
            "batches": number(batches),
            "links": .object(
                Dictionary(
                    uniqueKeysWithValues: links.map { link in
                        (
                            link.name,
                            JSONValue.object([
                                "recordsSent": number(link.recordsSent),
                                "linesAlreadySent": number(link.linesAlreadySent),
                                "pending": number(link.pending),
                                "recordsWritten": number(link.recordsWritten),
                                "recordsDropped": number(link.recordsDropped),
                                "spoolBytes": number(link.spoolBytes),
                                "connections": number(link.connections),
                            ])
                        )
                    })),
        ])
    }
}
