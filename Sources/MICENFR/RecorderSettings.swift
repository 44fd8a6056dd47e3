// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// What a backend's `.cfg` tells its recorder: columns (types and labels; the zero-eth column is
/// the implicit time), rollover and where data sets are kept.
///
/// `rollover_size_val` is in bytes of a data set, `rollover_time_val` in milliseconds (the seed's
/// 300000 is five minutes); each applies only when its `rollover_size`/`rollover_time` key is YES.
/// `archive_path` is relative to the NFR home unless it starts with `/`; its macros are `%p`
/// package, `%b` backend, `%y` year, `%m` month, `%d` day, `%H` hour, `%M` minute (of the data
/// set's first record, UTC) and `%%`. Default: `data/%p/%b/%y/%m%d/`.
public struct RecorderSettings: Hashable, Sendable {
    /// One column after the time column.
    public struct Column: Hashable, Sendable {
        /// The `.cfg` type (`p_src_ip`, `p_src_port`, `p_dst_ip`, `p_dst_port`, `p_string`, `p_int`, ...).
        public var type: String
        /// The label shown in queries.
        public var label: String

        public init(type: String, label: String) {
            self.type = type
            self.label = label
        }
    }

    /// The columns after time, from `num_columns` and `column_N_type`/`column_N_label`.
    public var columns: [Column]
    /// Bytes after which a data set is closed and a new one started.
    public var rolloverBytes: Int?
    /// Milliseconds after which a data set is closed and a new one started.
    public var rolloverMilliseconds: Int?
    /// The archive path template.
    public var archivePath: String
    /// The data format revision (`cfversion`).
    public var formatVersion: Int

    /// Settings without columns (a backend whose `.cfg` has none): rows show their schema types.
    public init(columns: [Column] = [], archivePath: String = "data/%p/%b/%y/%m%d/") {
        self.columns = columns
        self.archivePath = archivePath
        self.formatVersion = 1
    }

    /// Reads the recorder keys of a backend's `.cfg`.
    public init(config: NFRConfigFile) throws(NFRError) {
        self.init(archivePath: config["archive_path"] ?? "data/%p/%b/%y/%m%d/")
        let count = try config.int("num_columns", in: 0...64) ?? 0
        for number in 0..<count where number >= 0 {
            let n = number + 1
            guard let type = config["column_\(n)_type"] else {
                throw NFRError(
                    .missingKey, file: config.path, line: config.entry("num_columns")?.line,
                    "num_columns is \(count) but column_\(n)_type is missing")
            }
            columns.append(Column(type: type, label: config["column_\(n)_label"] ?? "Column \(n)"))
        }
        if try config.bool("rollover_size", default: false) {
            rolloverBytes = try config.int("rollover_size_val", in: 1...Int.max)
            if rolloverBytes == nil {
                throw NFRError(.missingKey, file: config.path, "rollover_size is YES but rollover_size_val is missing")
            }
        }
        if try config.bool("rollover_time", default: false) {
            rolloverMilliseconds = try config.int("rollover_time_val", in: 1...Int.max)
            if rolloverMilliseconds == nil {
                throw NFRError(.missingKey, file: config.path, "rollover_time is YES but rollover_time_val is missing")
            }
        }
        formatVersion = try config.int("cfversion", in: 1...1_000_000) ?? 1
    }

    /// The archive folder of a data set starting at `time`, absolute.
    public func archiveFolder(home: String, package: String, backend: String, time: Double) -> String {
        let expanded = Self.expand(archivePath, package: package, backend: backend, time: time)
        return expanded.hasPrefix("/") ? expanded : home + "/" + expanded
    }

    /// The folder under which every data set of this backend lies: the archive path up to its
    /// first date macro.
    public func archiveRoot(home: String, package: String, backend: String) -> String {
        var template = archivePath
        for macro in ["%y", "%m", "%d", "%H", "%M"] {
            if let range = template.range(of: macro) { template = String(template[..<range.lowerBound]) }
        }
        if let slash = template.lastIndex(of: "/") { template = String(template[...slash]) } else { template = "" }
        let expanded = Self.expand(template, package: package, backend: backend, time: 0)
        if expanded.isEmpty { return home }
        return expanded.hasPrefix("/") ? expanded : home + "/" + expanded
    }

    /// Expands the `%` macros.
    public static func expand(_ template: String, package: String, backend: String, time: Double) -> String {
        let parts = CivilTime(epochSeconds: Int64(time.rounded(.down)))
        var result = ""
        var iterator = template.makeIterator()
        while let character = iterator.next() {
            guard character == "%" else {
                result.append(character)
                continue
            }
            guard let macro = iterator.next() else {
                result.append("%")
                break
            }
            switch macro {
            case "p": result += package
            case "b": result += backend
            case "y": result += String(parts.year)
            case "m": result += twoDigits(parts.month)
            case "d": result += twoDigits(parts.day)
            case "H": result += twoDigits(parts.hour)
            case "M": result += twoDigits(parts.minute)
            case "%": result += "%"
            default:
                result.append("%")
                result.append(macro)
            }
        }
        return result
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0" + String(value) : String(value)
    }
}
