// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// A backend's recorder: `record ... to R` lands here.
///
/// Data sets are line files in the backend's archive folder: a header line (JSON object: format,
/// kind, backend, schema, labels, start time) then one line per row. A list row is a JSON array of
/// the record's values; a histogram row is `{"key":[...],"count":n,"first":t,"last":t}`, where the
/// key is the record without its time columns. List rows are written as they come (buffered,
/// flushed at least every 64 KiB, at rollover and at ``close()``); a histogram keeps its counts in
/// memory and writes its rows when its data set closes (rollover or ``close()``), so counts restart
/// from zero in each data set. Rollover happens before the record that crosses the size or time
/// limit, so no data set exceeds its size by more than one row.
public final class Recorder {
    /// The recorder's kind.
    public let kind: RecorderKind
    /// The schema's column types (time included).
    public let schema: [RecorderColumnType]
    /// The settings from the backend's `.cfg`.
    public let settings: RecorderSettings
    /// The NFR home.
    public let home: String
    /// The package's name.
    public let package: String
    /// The backend's name.
    public let backend: String
    /// Rows recorded (histogram: records counted).
    public private(set) var recordCount = 0
    /// Data sets closed so far.
    public private(set) var closedSets = 0
    /// Data set files written so far, in order.
    public private(set) var files: [String] = []

    private var handle: FileHandle?
    private var buffer: [UInt8] = []
    private var setBytes = 0
    private var setStart: Double = 0
    private var histogram: [[RecordedValue]: HistogramEntry] = [:]
    private var histogramOrder: [[RecordedValue]] = []

    private struct HistogramEntry {
        var count: Int
        var first: Double
        var last: Double
    }

    /// A recorder writing under `home` for `package`/`backend`.
    public init(
        kind: RecorderKind, schema: [RecorderColumnType], settings: RecorderSettings, home: String, package: String,
        backend: String
    ) {
        self.kind = kind
        self.schema = schema
        self.settings = settings
        self.home = home
        self.package = package
        self.backend = backend
    }

    deinit {
        try? close()
    }

    /// Records one row, taking `time` for the data set's start and rollover (the record's own time
    /// column when it has one, else the packet time). `values` must match the schema.
    public func record(_ values: [RecordedValue], time: Double) throws(NFRError) {
        if handle != nil, shouldRoll(at: time) { try closeSet() }
        if handle == nil { try openSet(at: time) }
        recordCount += 1
        switch kind {
        case .list:
            let before = buffer.count
            buffer.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                value.appendJSON(to: &buffer)
            }
            buffer.append(contentsOf: [UInt8(ascii: "]"), UInt8(ascii: "\n")])
            setBytes += buffer.count - before
            if buffer.count >= 65_536 { try flush() }
        case .histogram:
            var key: [RecordedValue] = []
            key.reserveCapacity(values.count)
            for value in values {
                if case .time = value { continue }
                key.append(value)
            }
            if var entry = histogram[key] {
                entry.count += 1
                entry.first = min(entry.first, time)
                entry.last = max(entry.last, time)
                histogram[key] = entry
            } else {
                histogram[key] = HistogramEntry(count: 1, first: time, last: time)
                histogramOrder.append(key)
                setBytes += 32 + key.reduce(0) { $0 + $1.json.utf8.count + 1 }
            }
        }
    }

    /// Writes what is buffered.
    public func flush() throws(NFRError) {
        guard let handle, !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw NFRError(.unreadable, file: files.last ?? home, "cannot write the data set: \(error)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Closes the current data set (histograms write their rows now).
    public func close() throws(NFRError) {
        if handle != nil { try closeSet() }
    }

    private func shouldRoll(at time: Double) -> Bool {
        if let bytes = settings.rolloverBytes, setBytes >= bytes { return true }
        if let milliseconds = settings.rolloverMilliseconds, (time - setStart) * 1000 >= Double(milliseconds) {
            return true
        }
        return false
    }

    private func openSet(at time: Double) throws(NFRError) {
        let folder = settings.archiveFolder(home: home, package: package, backend: backend, time: time)
        try NFRFiles.makeDirectory(folder)
        let stamp = Self.stamp(time)
        let prefix = folder + (folder.hasSuffix("/") ? "" : "/") + "\(backend)-\(stamp)-"
        var serial = 1
        var path = prefix + Self.serial(serial) + "." + kind.rawValue
        while FileManager.default.fileExists(atPath: path) {
            serial += 1
            path = prefix + Self.serial(serial) + "." + kind.rawValue
        }
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let opened = FileHandle(forWritingAtPath: path)
        else {
            throw NFRError(.unreadable, file: path, "cannot create the data set")
        }
        handle = opened
        files.append(path)
        setStart = time
        setBytes = 0
        let header = RecorderDataSetHeader(
            kind: kind, package: package, backend: backend, schema: schema,
            labels: settings.columns.map(\.label), columnTypes: settings.columns.map(\.type), start: time)
        append(header.jsonLine)
    }

    private func closeSet() throws(NFRError) {
        if kind == .histogram {
            for key in histogramOrder {
                guard let entry = histogram[key] else { continue }
                var line = "{\"key\":["
                for (index, value) in key.enumerated() {
                    if index > 0 { line += "," }
                    line += value.json
                }
                line += "],\"count\":\(entry.count),\"first\":\(RecordedValue.time(entry.first).json)"
                line += ",\"last\":\(RecordedValue.time(entry.last).json)}\n"
                append(line)
            }
            histogram.removeAll(keepingCapacity: true)
            histogramOrder.removeAll(keepingCapacity: true)
        }
        try flush()
        try? handle?.close()
        handle = nil
        closedSets += 1
    }

    private func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        setBytes += text.utf8.count
    }

    /// A data set's serial within its second, zero-padded so names sort in order.
    private static func serial(_ value: Int) -> String {
        let text = String(value)
        return text.count >= 6 ? text : String(repeating: "0", count: 6 - text.count) + text
    }

    private static func stamp(_ time: Double) -> String {
        let civil = CivilTime(epochSeconds: Int64(time.rounded(.down)))
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(civil.year)\(two(civil.month))\(two(civil.day))T\(two(civil.hour))\(two(civil.minute))\(two(civil.second))"
    }
}
