// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords

/// Pseudonymizes encoded LogFormat records: the log data, and in 0.2 records the structured part
/// (scslog: `UID`, `EUID` by ``UIDPermutation``, identifiers inside `cCall` and `cComment`;
/// firewall: `cMAC`, `cSource`, `cDestination`), then sets `uiPseudonymized` to 1 (0.2) and
/// recomputes the checksum. `cProgram` and `PID` name software, not persons, and stay; so do the
/// record's own host fields (the sensor's identity).
///
/// Nothing is cut silently: a line that outgrows its field (1023 or 4095 bytes) is cut at the
/// field's end and counted in ``Statistics/truncatedLines``; a pseudonym that does not fit a
/// structured field (an IPv6 or MAC pseudonym in a 30-byte field) is cut there and counted in
/// ``Statistics/truncatedFields`` (its start, the authenticator, still tells values apart; the
/// full pseudonym is in the line).
public struct RecordPseudonymizer {
    /// Counters since start.
    public struct Statistics: Hashable, Sendable {
        /// Records seen.
        public var records = 0
        /// Records changed.
        public var changed = 0
        /// Identifiers replaced (line and fields).
        public var identifiers = 0
        /// Lines cut at the end of their field.
        public var truncatedLines = 0
        /// Structured fields whose pseudonym was cut at the end of the field.
        public var truncatedFields = 0
    }

    /// What became of one record.
    public enum Outcome: Hashable, Sendable {
        /// Nothing to replace (or a binary LAuS record): the record is unchanged.
        case unchanged
        /// The rewritten record was appended; `truncated` when the line or a field was cut.
        case changed(truncated: Bool)
    }

    /// The records' layout.
    public let layout: LogFormatLayout
    /// The line pseudonymizer (patterns, cipher, cache).
    public var lines: LinePseudonymizer
    private let uids: UIDPermutation
    /// Counters since start.
    public private(set) var statistics = Statistics()

    /// - Parameters:
    ///   - layout: The link's layout.
    ///   - lines: The line pseudonymizer.
    ///   - uids: The numeric-field permutation.
    public init(layout: LogFormatLayout, lines: LinePseudonymizer, uids: UIDPermutation) {
        self.layout = layout
        self.lines = lines
        self.uids = uids
    }

    /// Pseudonymizes one encoded record and appends the result to `output` when it changed.
    /// - Parameters:
    ///   - record: Exactly `layout.size` bytes.
    ///   - fileType: The CALL's file type (LAuS records are binary and stay unchanged).
    ///   - output: Where the rewritten record goes.
    /// - Returns: Whether it changed.
    /// - Throws: ``RecordError`` when the record has the wrong size.
    public mutating func process(
        _ record: UnsafeRawBufferPointer, fileType: UInt32?, into output: inout [UInt8]
    ) throws(RecordError) -> Outcome {
        let logData = try LogFormat.logData(in: record, layout: layout)
        statistics.records += 1
        var storedType = fileType ?? LogFormat.FTF_UNKNOWN
        if let offset = layout.fileTypeOffset {
            storedType = UInt32(littleEndian: record.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        }
        if fileType == LogFormat.FTF_LAUS || storedType == LogFormat.FTF_LAUS { return .unchanged }
        let newLine = lines.pseudonymize(logData)
        let structured =
            layout.hasExtendedFields && (storedType == LogFormat.FTF_SCSLOG || storedType == LogFormat.FTF_FIREWALL)
        var truncated = false
        var replaced = newLine?.replaced ?? 0
        if let newLine, newLine.line.count > layout.logDataCapacity - 1 {
            truncated = true
            statistics.truncatedLines += 1
        }
        if structured {
            var decoded = try LogFormat(decoding: record, layout: layout)
            var changes = 0
            var cut = 0
            decoded.logType = pseudonymized(decoded.logType, changes: &changes, cut: &cut)
            guard changes > 0 || newLine != nil else { return .unchanged }
            if let newLine { decoded.logData = Array(newLine.line.prefix(layout.logDataCapacity - 1)) }
            decoded.pseudonymized = 1
            replaced += changes
            statistics.truncatedFields += cut
            truncated = truncated || cut > 0
            output.append(contentsOf: decoded.encode(layout: layout, computeChecksum: true))
        } else {
            guard let newLine else { return .unchanged }
            let start = output.count
            output.append(contentsOf: record)
            // The copy has the size checked above, so the in-place calls cannot fail.
            output.withUnsafeMutableBytes { bytes in
                let copy = UnsafeMutableRawBufferPointer(rebasing: bytes[start...])
                newLine.line.withUnsafeBytes { line in
                    _ = try? LogFormat.setLogData(line, in: copy, layout: layout)
                }
                if layout.hasExtendedFields {
                    copy.storeBytes(of: UInt32(1).littleEndian, toByteOffset: Self.pseudonymizedOffset, as: UInt32.self)
                }
                _ = try? LogFormat.updateChecksum(in: copy, layout: layout)
            }
        }
        statistics.changed += 1
        statistics.identifiers += replaced
        return .changed(truncated: truncated)
    }

    /// Offset of `uiPseudonymized` in 0.2 records.
    static let pseudonymizedOffset = 4796

    private mutating func pseudonymized(_ logType: LogTypeData, changes: inout Int, cut: inout Int) -> LogTypeData {
        switch logType {
        case .scsLog(var scs):
            for keyPath in [\SCSLogFormat.uid, \SCSLogFormat.euid] {
                let uid = scs[keyPath: keyPath]
                guard UInt64(uid) >= lines.minimumUID else { continue }
                let pseudonym = uids.pseudonymize(uid)
                if pseudonym != uid {
                    scs[keyPath: keyPath] = pseudonym
                    changes += 1
                }
            }
            scs.call = rewriteText(scs.call, capacity: 1024, changes: &changes, cut: &cut)
            scs.comment = rewriteText(scs.comment, capacity: 256, changes: &changes, cut: &cut)
            return .scsLog(scs)
        case .firewall(var firewall):
            firewall.mac = replaceField(firewall.mac, as: .mac, capacity: 30, changes: &changes, cut: &cut)
            firewall.source = replaceField(firewall.source, as: .host, capacity: 30, changes: &changes, cut: &cut)
            firewall.destination = replaceField(
                firewall.destination, as: .host, capacity: 30, changes: &changes, cut: &cut)
            return .firewall(firewall)
        case .none, .raw:
            return logType
        }
    }

    /// A whole field holding one identifier: its pseudonym, cut to the field. A MAC field that is
    /// not colon-separated hex is sealed as a host name, so nothing stays in clear.
    private mutating func replaceField(
        _ value: [UInt8], as kind: PseudonymKind, capacity: Int, changes: inout Int, cut: inout Int
    ) -> [UInt8] {
        guard !value.isEmpty else { return value }
        guard let pseudonym = lines.pseudonym(of: value, as: kind) ?? lines.pseudonym(of: value, as: .host) else {
            return value
        }
        changes += 1
        if pseudonym.count > capacity - 1 { cut += 1 }
        return Array(pseudonym.prefix(capacity - 1))
    }

    /// A free-text field: its identifiers replaced as in the line, cut to the field.
    private mutating func rewriteText(_ value: [UInt8], capacity: Int, changes: inout Int, cut: inout Int) -> [UInt8] {
        guard !value.isEmpty, let rewritten = lines.pseudonymize(value) else { return value }
        changes += rewritten.replaced
        if rewritten.line.count > capacity - 1 { cut += 1 }
        return Array(rewritten.line.prefix(capacity - 1))
    }
}
