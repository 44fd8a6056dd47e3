// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICERecords

/// One stored row of the raw-log database, with all its columns.
public struct RawLogRow: Hashable, Sendable {
    /// The table the row is in.
    public var table: RawLogTable
    /// `line_id`: the primary key, unique within the table.
    public var lineID: Int64
    /// `received_at`: when the batch holding the record was stored.
    public var receivedAt: Date
    /// `logged_at`: the record's `cDate`/`cTime` read in the senders' time zone; the time of
    /// receipt when they are not a real date and time.
    public var loggedAt: Date
    /// `file_type`: the record's `uiFileType` (`FTF_*`).
    public var fileType: UInt32
    /// `pseudonymized`: the record's `uiPseudonymized`.
    public var pseudonymized: UInt32
    /// `hostname` (`cHost`).
    public var hostname: String
    /// `domain` (`cDomain`).
    public var domain: String
    /// `ip` (`cIP`).
    public var ip: String
    /// `osystem` (`cOSystem`).
    public var osystem: String
    /// `release` (`cRelease`).
    public var release: String
    /// `version` (`cVersion`).
    public var version: String
    /// `date`: the record's `cDate` as sent ("YYYY/MM/DD").
    public var date: String
    /// `time`: the record's `cTime` as sent ("HH:MM:SS").
    public var time: String
    /// `timezone` (`cTimezone`, 0.2 records).
    public var timezone: String
    /// `daylight` (`iDaylight`, 0.2 records).
    public var daylight: Int32
    /// `logline`: the log data, byte for byte (NUL bytes and invalid UTF-8 included).
    public var logline: [UInt8]
    /// `signature` (`rawlog_line` only): not produced yet, nil.
    public var signature: String?
    /// `logtype` (`rawlog_line` only): the bytes of a `logtype` union that matched no member.
    public var logtype: [UInt8]?
    /// The `scslog_line` columns (`syscall`, `program`, `pid`, `uid`, `euid`, `call`, `comment`).
    public var scsLog: SCSLogFormat?
    /// The `firewall_line` columns (`action` ... `pac_length`).
    public var firewall: FirewallLogFormat?

    public init(
        table: RawLogTable, lineID: Int64, receivedAt: Date, loggedAt: Date, fileType: UInt32 = 0,
        pseudonymized: UInt32 = 0, hostname: String = "", domain: String = "", ip: String = "", osystem: String = "",
        release: String = "", version: String = "", date: String = "", time: String = "", timezone: String = "",
        daylight: Int32 = 0, logline: [UInt8] = [], signature: String? = nil, logtype: [UInt8]? = nil,
        scsLog: SCSLogFormat? = nil, firewall: FirewallLogFormat? = nil
    ) {
        self.table = table
        self.lineID = lineID
        self.receivedAt = receivedAt
        self.loggedAt = loggedAt
        self.fileType = fileType
        self.pseudonymized = pseudonymized
        self.hostname = hostname
        self.domain = domain
        self.ip = ip
        self.osystem = osystem
        self.release = release
        self.version = version
        self.date = date
        self.time = time
        self.timezone = timezone
        self.daylight = daylight
        self.logline = logline
        self.signature = signature
        self.logtype = logtype
        self.scsLog = scsLog
        self.firewall = firewall
    }

    /// The log line as text, invalid UTF-8 repaired (for display).
    public var loglineText: String { String(decoding: logline, as: UTF8.self) }

    /// Reads a row through a backend's column accessor.
    init(table: RawLogTable, columns row: some RawLogColumnReader) throws {
        self.init(
            table: table, lineID: try row.integer(RawLogSchema.primaryKey),
            receivedAt: try row.timestamp("received_at"),
            loggedAt: try row.timestamp("logged_at"), fileType: try row.uint32("file_type"),
            pseudonymized: try row.uint32("pseudonymized"), hostname: try row.text("hostname"),
            domain: try row.text("domain"), ip: try row.text("ip"), osystem: try row.text("osystem"),
            release: try row.text("release"), version: try row.text("version"), date: try row.text("date"),
            time: try row.text("time"), timezone: try row.text("timezone"),
            daylight: Int32(truncatingIfNeeded: try row.integer("daylight")), logline: try row.blob("logline"))
        switch table {
        case .rawlog:
            signature = try row.optionalText("signature")
            logtype = try row.optionalBlob("logtype")
        case .scslog:
            scsLog = SCSLogFormat(
                syscall: Array(try row.text("syscall").utf8), program: Array(try row.text("program").utf8),
                pid: Int32(truncatingIfNeeded: try row.integer("pid")), uid: try row.uint32("uid"),
                euid: try row.uint32("euid"), call: Array(try row.text("call").utf8),
                comment: Array(try row.text("comment").utf8))
        case .firewall:
            firewall = FirewallLogFormat(
                action: Array(try row.text("action").utf8), inputInterface: Array(try row.text("if_in").utf8),
                outputInterface: Array(try row.text("if_out").utf8), mac: Array(try row.text("mac").utf8),
                source: Array(try row.text("source").utf8), destination: Array(try row.text("destination").utf8),
                ipLength: try row.uint32("ip_length"), tos: try row.uint32("tos"), precedence: try row.uint32("prec"),
                ttl: try row.uint32("ttl"), id: try row.uint32("id"),
                transportProtocol: Array(try row.text("protocol").utf8), sourcePort: try row.uint32("src_port"),
                destinationPort: try row.uint32("dst_port"), packetLength: try row.uint32("pac_length"))
        }
    }
}

/// Column access by name over one result row of a backend.
protocol RawLogColumnReader {
    func integer(_ name: String) throws -> Int64
    func text(_ name: String) throws -> String
    func optionalText(_ name: String) throws -> String?
    func blob(_ name: String) throws -> [UInt8]
    func optionalBlob(_ name: String) throws -> [UInt8]?
    func timestamp(_ name: String) throws -> Date
}

extension RawLogColumnReader {
    func uint32(_ name: String) throws -> UInt32 { UInt32(truncatingIfNeeded: try integer(name)) }
}
