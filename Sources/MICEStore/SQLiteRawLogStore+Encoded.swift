// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import GRDB
import GRDBSQLite
import MICERecords

// The fast path of the embedded store: encoded records bound straight from their bytes with the
// SQLite C API on GRDB's cached statement. Building GRDB `StatementArguments` of `DatabaseValue`
// per row, with a String per text field, was a third of mice-pop-rawlog's CPU.

extension SQLiteRawLogStore {
    /// Stores the encoded records in one transaction, from synchronous code (a module's frame
    /// loop); returns after the commit, with the durability of ``insert(batch:receivedAt:)``.
    ///
    /// The rows are exactly those ``insertSynchronously(batch:receivedAt:)`` writes for
    /// `records.decoded()`: `rawlog_line` rows are bound from the record bytes, the rarer
    /// `scslog_line` and `firewall_line` rows go through the decoded path.
    /// - Returns: the number of records stored.
    /// - Throws: ``StoreError`` `writeFailed` (nothing of the batch is stored).
    @discardableResult
    public func insertSynchronously(encoded records: EncodedLogFormats, receivedAt: Date = Date()) throws -> Int {
        guard !records.isEmpty else { return 0 }
        let layout = records.layout
        var rawlog: [Int] = []
        var others: [LogFormat] = []
        rawlog.reserveCapacity(records.count)
        records.bytes.withUnsafeBytes { raw in
            for index in 0..<records.count {
                let base = index * layout.size
                let fileType = layout.fileTypeOffset.map {
                    UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + $0, as: UInt32.self))
                }
                if RawLogTable.forFileType(fileType ?? 0) == .rawlog {
                    rawlog.append(index)
                } else if let record = try? LogFormat(
                    decoding: UnsafeRawBufferPointer(rebasing: raw[base..<(base + layout.size)]), layout: layout)
                {
                    others.append(record)
                }
            }
        }
        let values =
            others.isEmpty
            ? nil : RawLogValues(batch: others, receivedAt: receivedAt, sourceTimeZone: options.sourceTimeZone)
        let converter = LogTimestamp.Converter(timeZone: options.sourceTimeZone)
        do {
            try pool.write { db in
                if !rawlog.isEmpty {
                    try Self.writeRawlog(
                        records, indices: rawlog, receivedAt: receivedAt, converter: converter, to: db)
                }
                if let values { try Self.write(values, to: db) }
            }
        } catch {
            throw StoreError(.writeFailed, location: path, "batch of \(records.count) records not stored: \(error)")
        }
        return records.count
    }

    /// Inserts the `rawlog_line` rows of `records` at `indices`, in order, in the caller's transaction.
    private static func writeRawlog(
        _ records: EncodedLogFormats, indices: [Int], receivedAt: Date, converter: LogTimestamp.Converter,
        to db: Database
    ) throws {
        let statement = try db.cachedStatement(sql: insertSQL(.rawlog))
        let handle = statement.sqliteStatement
        let layout = records.layout
        let v02 = layout.fileTypeOffset != nil
        let received = Array(SQLiteTimestamp.text(receivedAt).utf8)
        var binder = RowBinder(handle: handle)
        // Records read within the same second share their date and time: convert once per change.
        var lastDate: [UInt8] = []
        var lastTime: [UInt8] = []
        var lastLogged: [UInt8] = received
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        try records.bytes.withUnsafeBytes { raw in
            try received.withUnsafeBytes { received in
                for index in indices {
                    let record = UnsafeRawBufferPointer(
                        rebasing: raw[(index * layout.size)..<((index + 1) * layout.size)])
                    func field(_ offset: Int, _ size: Int) -> UnsafeRawBufferPointer {
                        let whole = UnsafeRawBufferPointer(rebasing: record[offset..<(offset + size)])
                        return UnsafeRawBufferPointer(rebasing: whole[0..<(whole.firstIndex(of: 0) ?? size)])
                    }
                    func integer(_ offset: Int) -> Int64 {
                        Int64(UInt32(littleEndian: record.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                    }
                    let date = field(602, 30)
                    let time = field(632, 30)
                    if !lastDate.elementsEqual(date) || !lastTime.elementsEqual(time) {
                        lastDate = Array(date)
                        lastTime = Array(time)
                        let logged = converter.date(recordDate: lastDate, time: lastTime)
                        lastLogged = logged.map { Array(SQLiteTimestamp.text($0).utf8) } ?? Array(received)
                    }
                    sqlite3_reset(handle)
                    binder.column = 0
                    try binder.text(received)
                    try lastLogged.withUnsafeBytes { try binder.text($0) }
                    let fileType = v02 ? integer(layout.fileTypeOffset!) : 0
                    try binder.integer(fileType)
                    try binder.integer(v02 ? integer(4796) : 0)
                    try binder.text(field(0, 256))
                    try binder.text(field(256, 256))
                    try binder.text(field(512, 30))
                    try binder.text(field(542, 20))
                    try binder.text(field(562, 20))
                    try binder.text(field(582, 20))
                    try binder.text(date)
                    try binder.text(time)
                    try binder.text(v02 ? field(662, 30) : UnsafeRawBufferPointer(rebasing: record[0..<0]))
                    try binder.integer(
                        v02 ? Int64(Int32(littleEndian: record.loadUnaligned(fromByteOffset: 692, as: Int32.self))) : 0)
                    if fileType == Int64(LogFormat.FTF_LAUS) {
                        try binder.blob(EncodedLogFormats.lausLogData(record, layout: layout))
                    } else {
                        try binder.blob(field(layout.logDataOffset, layout.logDataCapacity))
                    }
                    try binder.null()
                    if v02 {
                        // The logtype union kept raw (trailing zeros removed), NULL when all zero.
                        let union = UnsafeRawBufferPointer(
                            rebasing: record[logTypeOffset..<(logTypeOffset + LogTypeData.size)])
                        var end = union.count
                        while end > 0 && union[end - 1] == 0 { end -= 1 }
                        if end > 0 {
                            try binder.blob(UnsafeRawBufferPointer(rebasing: union[0..<end]))
                        } else {
                            try binder.null()
                        }
                    } else {
                        try binder.null()
                    }
                    let code = sqlite3_step(handle)
                    guard code == SQLITE_DONE else {
                        throw DatabaseError(
                            resultCode: ResultCode(rawValue: code),
                            message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
                    }
                }
            }
        }
    }
}

/// Binds one row's columns in order on a raw SQLite statement.
private struct RowBinder {
    let handle: OpaquePointer
    var column: Int32 = 0

    /// Text as the decoded path stores it: ASCII (the usual case) straight from the record,
    /// anything else repaired to UTF-8 (``StoredText``), copied by SQLite.
    mutating func text(_ bytes: UnsafeRawBufferPointer) throws {
        column += 1
        var ascii: UInt8 = 0
        for byte in bytes { ascii |= byte }
        let code: Int32
        if ascii < 0x80 {
            // A non-nil pointer even for "" (a nil one would bind NULL).
            let start = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            code = sqlite3_bind_text(
                handle, column, start.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
        } else {
            let repaired = StoredText.string(Array(bytes))
            code = repaired.withCString { sqlite3_bind_text(handle, column, $0, -1, sqliteTransient) }
        }
        try check(code)
    }

    /// A BLOB from the record; an empty one is bound as GRDB binds an empty `Data`.
    mutating func blob(_ bytes: UnsafeRawBufferPointer) throws {
        column += 1
        let code: Int32
        if bytes.isEmpty {
            code = Data().bind(to: handle, at: column)
        } else {
            code = sqlite3_bind_blob(handle, column, bytes.baseAddress, Int32(bytes.count), nil)
        }
        try check(code)
    }

    mutating func integer(_ value: Int64) throws {
        column += 1
        try check(sqlite3_bind_int64(handle, column, value))
    }

    mutating func null() throws {
        column += 1
        try check(sqlite3_bind_null(handle, column))
    }

    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "binding column \(column) failed")
        }
    }
}

/// Where the `logtype` union starts in a 0.2 record (docs/records.md).
private let logTypeOffset = 4800

/// SQLite's SQLITE_TRANSIENT (copy the value now), a macro Swift does not import.
private let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
