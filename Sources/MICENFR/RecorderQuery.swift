// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// Reads back what a backend's recorder wrote, as the seed's GUI query did, and shows it as text
/// (the seed's "Display as Text" layout) or HTML.
public struct RecorderQuery: Sendable {
    /// One row read back.
    public struct Row: Hashable, Sendable {
        /// The values (list: the whole record; histogram: the key).
        public var values: [RecordedValue]
        /// Histogram rows: how often the key was recorded.
        public var count: Int?
        /// Histogram rows: first and last time the key was recorded.
        public var first: Double?
        public var last: Double?
    }

    /// One data set file.
    public struct DataSet: Hashable, Sendable {
        /// Its path.
        public var path: String
        /// Its header.
        public var header: RecorderDataSetHeader
        /// Its rows.
        public var rows: [Row]
    }

    /// The data sets, oldest first.
    public var dataSets: [DataSet]

    /// All rows of all data sets.
    public var rows: [Row] { dataSets.flatMap(\.rows) }

    /// Reads every data set under `root` (recursively); unreadable lines are errors naming file and line.
    public init(root: String) throws(NFRError) {
        var found: [String] = []
        Self.collect(root, into: &found)
        var sets: [DataSet] = []
        for path in found.sorted() {
            sets.append(try Self.read(path))
        }
        dataSets = sets.sorted { ($0.header.start, $0.path) < ($1.header.start, $1.path) }
    }

    /// The rows as text: `Thu Apr 30 16:45:59 1998 208.239.113.163            0 10.0.0.255 ...`.
    ///
    /// Every column is followed by one space; times as ctime(3) in UTC (24 wide), addresses left
    /// in 15, source ports right in 12, destination ports right in 11, other integers right in 12,
    /// strings left in 30 — the layout of the seed's sample output. Histogram rows end with the count.
    public func text() -> String {
        var out = ""
        for set in dataSets {
            for row in set.rows {
                out += Self.textLine(row, header: set.header) + "\n"
            }
        }
        return out
    }

    /// The rows as an HTML document with one table per data set.
    public func html(title: String) -> String {
        var out =
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>\(Self.escape(title))</title></head><body>\n"
        out += "<h1>\(Self.escape(title))</h1>\n"
        for set in dataSets {
            out += "<table border=\"1\">\n<tr>"
            var labels: [String] = []
            var labelIndex = 0
            for type in set.header.schema {
                if type == .time {
                    labels.append("Time")
                } else {
                    labels.append(labelIndex < set.header.labels.count ? set.header.labels[labelIndex] : type.rawValue)
                    labelIndex += 1
                }
            }
            if set.header.kind == .histogram {
                labels.removeAll { $0 == "Time" }
                labels.append("Count")
            }
            out += labels.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr>\n"
            for row in set.rows {
                var cells = row.values.map { Self.cellText($0) }
                if let count = row.count { cells.append(String(count)) }
                out += "<tr>" + cells.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>\n"
            }
            out += "</table>\n"
        }
        out += "</body></html>\n"
        return out
    }

    static func textLine(_ row: Row, header: RecorderDataSetHeader) -> String {
        var line = ""
        var columnIndex = 0
        for value in row.values {
            var cfgType = ""
            if case .time = value {
                cfgType = "time"
            } else {
                cfgType = columnIndex < header.columnTypes.count ? header.columnTypes[columnIndex] : ""
                columnIndex += 1
            }
            line += Self.pad(value, cfgType: cfgType) + " "
        }
        if let count = row.count { line += Self.leftPad(String(count), 10) + " " }
        return line
    }

    private static func pad(_ value: RecordedValue, cfgType: String) -> String {
        switch value {
        case .time(let seconds): return CivilTime(epochSeconds: Int64(seconds.rounded(.down))).ctime
        case .ip(let address): return rightPad(RecordedValue.dotted(address), 15)
        case .int(let number):
            return leftPad(String(number), cfgType == "p_dst_port" ? 11 : 12)
        case .string(let text): return rightPad(text, 30)
        }
    }

    private static func cellText(_ value: RecordedValue) -> String {
        if case .time(let seconds) = value { return CivilTime(epochSeconds: Int64(seconds.rounded(.down))).ctime }
        return value.text
    }

    private static func leftPad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    private static func rightPad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    private static func collect(_ path: String, into found: inout [String]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
        for name in names {
            let full = path + (path.hasSuffix("/") ? "" : "/") + name
            if NFRFiles.isDirectory(full) {
                collect(full, into: &found)
            } else if name.hasSuffix(".list") || name.hasSuffix(".histogram") {
                found.append(full)
            }
        }
    }

    private static func read(_ path: String) throws(NFRError) -> DataSet {
        let text = try NFRFiles.readText(path)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).makeIterator()
        guard let first = lines.next(),
            let header = try? JSONDecoder().decode(RecorderDataSetHeader.self, from: Data(first.utf8)),
            header.format == "mice-nfr-recorder"
        else {
            throw NFRError(.badData, file: path, line: 1, "not a recorder data set (header line missing)")
        }
        var rows: [Row] = []
        var lineNumber = 1
        while let line = lines.next() {
            lineNumber += 1
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
            else {
                throw NFRError(.badData, file: path, line: lineNumber, "a row is not JSON")
            }
            switch header.kind {
            case .list:
                guard let array = object as? [Any] else {
                    throw NFRError(.badData, file: path, line: lineNumber, "a list row must be a JSON array")
                }
                rows.append(Row(values: try values(array, types: header.schema, path: path, line: lineNumber)))
            case .histogram:
                guard let dictionary = object as? [String: Any], let key = dictionary["key"] as? [Any],
                    let count = dictionary["count"] as? Int
                else {
                    throw NFRError(.badData, file: path, line: lineNumber, "a histogram row needs key and count")
                }
                let types = header.schema.filter { $0 != .time }
                rows.append(
                    Row(
                        values: try values(key, types: types, path: path, line: lineNumber), count: count,
                        first: (dictionary["first"] as? NSNumber)?.doubleValue,
                        last: (dictionary["last"] as? NSNumber)?.doubleValue))
            }
        }
        return DataSet(path: path, header: header, rows: rows)
    }

    private static func values(_ array: [Any], types: [RecorderColumnType], path: String, line: Int) throws(NFRError)
        -> [RecordedValue]
    {
        guard array.count == types.count else {
            throw NFRError(.badData, file: path, line: line, "\(array.count) values for \(types.count) columns")
        }
        var result: [RecordedValue] = []
        for (value, type) in zip(array, types) {
            switch type {
            case .time:
                guard let number = value as? NSNumber else {
                    throw NFRError(.badData, file: path, line: line, "a time must be a number")
                }
                result.append(.time(number.doubleValue))
            case .ip:
                guard let text = value as? String, let address = RecordedValue.parseDotted(text) else {
                    throw NFRError(.badData, file: path, line: line, "an ip must be a dotted address")
                }
                result.append(.ip(address))
            case .int:
                guard let number = value as? NSNumber else {
                    throw NFRError(.badData, file: path, line: line, "an int must be a number")
                }
                result.append(.int(number.intValue))
            case .string:
                guard let text = value as? String else {
                    throw NFRError(.badData, file: path, line: line, "a string must be a JSON string")
                }
                result.append(.string(text))
            }
        }
        return result
    }
}
