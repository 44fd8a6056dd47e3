// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords

/// Builds the LogFormat records of a format module: the host identity, the local date and time
/// of reading, optionally the time zone, the line, its file type and structured part.
///
/// Over-long lines are cut to the field (1023 or 4095 bytes), never beyond it; the file type is
/// stored before the checksum is computed (the original checksummed first, spec section 11,
/// item 11).
public struct LogRecordBuilder: Sendable {
    /// The layout of the records built.
    public let layout: LogFormatLayout
    private let template: LogFormat
    private var clock = LocalClock()

    /// - Parameters:
    ///   - layout: The link's layout.
    ///   - identity: The host fields.
    ///   - timezone: Zone fields for 0.2 records (the enhanced module), or nil to leave them empty
    ///     and zero (the simple module).
    public init(layout: LogFormatLayout, identity: HostIdentity, timezone: LocalTimezone? = nil) {
        self.layout = layout
        var template = identity.template
        if let timezone, layout.hasExtendedFields {
            template.timezone = timezone.names
            template.daylight = timezone.daylight
        }
        self.template = template
    }

    /// The record for `line` read now, before encoding.
    /// - Parameters:
    ///   - line: The raw line.
    ///   - fileType: `uiFileType` (stored in 0.2 records only).
    ///   - logType: The structured part (stored in 0.2 records only).
    public mutating func record(
        line: some Collection<UInt8>, fileType: UInt32, logType: LogTypeData = .none
    ) -> LogFormat {
        var record = template
        let (date, time) = clock.now()
        record.date = date
        record.time = time
        record.logData = Array(line.prefix(layout.logDataCapacity - 1))
        record.fileType = fileType
        record.logType = logType
        return record
    }

    /// Encodes the record for `line` (see ``record(line:fileType:logType:)``) with its checksum
    /// and appends it to `output`.
    public mutating func append(
        line: some Collection<UInt8>, fileType: UInt32, logType: LogTypeData = .none, to output: inout [UInt8]
    ) {
        let record = record(line: line, fileType: fileType, logType: logType)
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: layout.size))
        output.withUnsafeMutableBytes { bytes in
            // The slice has exactly layout.size bytes, so encoding cannot fail.
            try? record.encode(
                into: UnsafeMutableRawBufferPointer(rebasing: bytes[start...]), layout: layout,
                computeChecksum: true)
        }
    }
}
