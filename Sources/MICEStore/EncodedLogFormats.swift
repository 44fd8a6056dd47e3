// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords

/// Encoded LogFormat records of one layout, back to back in one buffer: a batch for the raw-log
/// store that costs one copy per record to collect, and that the SQLite store binds straight from
/// the record bytes (no ``LogFormat`` values, no intermediate strings for ASCII fields).
///
/// The stored values are exactly those of the decoded records (``decoded()``), including the
/// rule for LAuS records (`FTF_LAUS`): their log data is binary, so the whole field is kept, with
/// trailing zero bytes removed, not just the bytes before the first NUL.
public struct EncodedLogFormats: Sendable {
    /// The records' layout.
    public let layout: LogFormatLayout
    /// The records, `layout.size` bytes each.
    public private(set) var bytes: [UInt8] = []

    /// An empty batch.
    public init(layout: LogFormatLayout, reservingCapacity records: Int = 0) {
        self.layout = layout
        bytes.reserveCapacity(records * layout.size)
    }

    /// The number of records.
    public var count: Int { bytes.count / layout.size }

    /// True when the batch holds no record.
    public var isEmpty: Bool { bytes.isEmpty }

    /// Appends one encoded record.
    /// - Returns: false (and appends nothing) when `record` is not `layout.size` bytes.
    @discardableResult
    public mutating func append(_ record: UnsafeRawBufferPointer) -> Bool {
        guard record.count == layout.size else { return false }
        bytes.append(contentsOf: record)
        return true
    }

    /// Removes every record, keeping the storage.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// The records decoded, as the store writes them (LAuS log data as described above).
    public func decoded() -> [LogFormat] {
        var records: [LogFormat] = []
        records.reserveCapacity(count)
        bytes.withUnsafeBytes { raw in
            for index in 0..<count {
                let record = UnsafeRawBufferPointer(rebasing: raw[(index * layout.size)..<((index + 1) * layout.size)])
                guard var value = try? LogFormat(decoding: record, layout: layout) else { continue }
                if value.fileType == LogFormat.FTF_LAUS {
                    value.logData = Array(Self.lausLogData(record, layout: layout))
                }
                records.append(value)
            }
        }
        return records
    }

    /// The log data field of a LAuS record: all of it, trailing zero bytes removed.
    static func lausLogData(_ record: UnsafeRawBufferPointer, layout: LogFormatLayout) -> UnsafeRawBufferPointer {
        let field = UnsafeRawBufferPointer(
            rebasing: record[layout.logDataOffset..<(layout.logDataOffset + layout.logDataCapacity)])
        var end = field.count
        while end > 0 && field[end - 1] == 0 { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: field[0..<end])
    }
}
