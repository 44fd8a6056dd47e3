// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

// The fast path for hot loops (filters, pseudonymizers, decoders): read or rewrite the log data
// field and the checksum of an encoded LogFormat in place, without decoding the other fields.

extension LogFormat {
    /// The log data (`cLogLine` or `cLogdata`) of an encoded record, up to its first NUL or the
    /// end of the field, without copying.
    /// - Parameters:
    ///   - record: Exactly `layout.size` bytes.
    ///   - layout: The wire layout.
    /// - Returns: A view into `record`, valid as long as `record` is.
    /// - Throws: ``RecordError`` when the size is wrong.
    public static func logData(in record: UnsafeRawBufferPointer, layout: LogFormatLayout = .seed)
        throws(RecordError) -> UnsafeRawBufferPointer
    {
        try checkSize(record.count, layout: layout)
        let field = UnsafeRawBufferPointer(
            rebasing: record[layout.logDataOffset..<(layout.logDataOffset + layout.logDataCapacity)])
        let end = field.firstIndex(of: 0) ?? field.count
        return UnsafeRawBufferPointer(rebasing: field[0..<end])
    }

    /// Replaces the log data of an encoded record in place: at most capacity - 1 bytes are
    /// stored (1023 or 4095), the rest of the field is zeroed. The checksum is left alone; call
    /// ``updateChecksum(in:layout:)`` afterwards.
    /// - Parameters:
    ///   - data: The new log data.
    ///   - record: Exactly `layout.size` bytes.
    ///   - layout: The wire layout.
    /// - Returns: The number of bytes stored (less than `data.count` when truncated).
    /// - Throws: ``RecordError`` when the size is wrong.
    @discardableResult
    public static func setLogData(
        _ data: UnsafeRawBufferPointer, in record: UnsafeMutableRawBufferPointer, layout: LogFormatLayout = .seed
    ) throws(RecordError) -> Int {
        try checkSize(record.count, layout: layout)
        let offset = layout.logDataOffset
        let count = min(data.count, layout.logDataCapacity - 1)
        if count > 0 {
            // memmove semantics: `data` may be a view into this very field.
            UnsafeMutableRawBufferPointer(rebasing: record[offset..<(offset + count)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: data[0..<count]))
        }
        UnsafeMutableRawBufferPointer(rebasing: record[(offset + count)..<(offset + layout.logDataCapacity)])
            .initializeMemory(as: UInt8.self, repeating: 0)
        return count
    }

    /// The checksum stored in an encoded record.
    /// - Parameters:
    ///   - record: Exactly `layout.size` bytes.
    ///   - layout: The wire layout.
    /// - Returns: The stored `sChkSum`.
    /// - Throws: ``RecordError`` when the size is wrong.
    public static func storedChecksum(in record: UnsafeRawBufferPointer, layout: LogFormatLayout = .seed)
        throws(RecordError) -> UInt16
    {
        try checkSize(record.count, layout: layout)
        return InternetChecksum.load(from: record, at: layout.checksumOffset)
    }

    /// Computes the checksum of an encoded record (its checksum field counted as zero) and stores it.
    /// - Parameters:
    ///   - record: Exactly `layout.size` bytes.
    ///   - layout: The wire layout.
    /// - Returns: The new checksum.
    /// - Throws: ``RecordError`` when the size is wrong.
    @discardableResult
    public static func updateChecksum(in record: UnsafeMutableRawBufferPointer, layout: LogFormatLayout = .seed)
        throws(RecordError) -> UInt16
    {
        try checkSize(record.count, layout: layout)
        let offset = layout.checksumOffset
        let checksum = InternetChecksum.compute(UnsafeRawBufferPointer(record), treatingAsZero: offset..<(offset + 2))
        InternetChecksum.store(checksum, into: record, at: offset)
        return checksum
    }

    /// Checks the checksum of an encoded record in place, accepting the DataForwarder quirk
    /// (checksum over `uiFileType = 0`, 0.2 layout only).
    /// - Parameters:
    ///   - record: Exactly `layout.size` bytes.
    ///   - layout: The wire layout.
    /// - Returns: The outcome.
    /// - Throws: ``RecordError`` when the size is wrong.
    public static func verifyChecksum(in record: UnsafeRawBufferPointer, layout: LogFormatLayout = .seed)
        throws(RecordError) -> ChecksumVerification
    {
        try checkSize(record.count, layout: layout)
        return ChecksumVerification.check(
            record, checksumOffset: layout.checksumOffset, fileTypeOffset: layout.fileTypeOffset)
    }

    private static func checkSize(_ count: Int, layout: LogFormatLayout) throws(RecordError) {
        guard count == layout.size else {
            throw RecordError(
                count < layout.size ? .truncatedRecord : .sizeMismatch, recordType: recordType,
                offset: min(count, layout.size),
                detail: "expected \(layout.size) bytes (\(layout.rawValue) layout), got \(count)")
        }
    }
}
