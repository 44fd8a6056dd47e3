// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The first line of a recorder's data set file.
public struct RecorderDataSetHeader: Codable, Hashable, Sendable {
    /// Always `mice-nfr-recorder`.
    public var format = "mice-nfr-recorder"
    /// The data format revision.
    public var version = 1
    /// List or histogram.
    public var kind: RecorderKind
    /// The package.
    public var package: String
    /// The backend.
    public var backend: String
    /// The schema's types (time included).
    public var schema: [RecorderColumnType]
    /// The `.cfg` column labels (after time).
    public var labels: [String]
    /// The `.cfg` column types (after time).
    public var columnTypes: [String]
    /// The data set's start (seconds since the epoch).
    public var start: Double

    public init(
        kind: RecorderKind, package: String, backend: String, schema: [RecorderColumnType], labels: [String],
        columnTypes: [String], start: Double
    ) {
        self.kind = kind
        self.package = package
        self.backend = backend
        self.schema = schema
        self.labels = labels
        self.columnTypes = columnTypes
        self.start = start
    }

    var jsonLine: String {
        var line = "{\"format\":\"\(format)\",\"version\":\(version),\"kind\":\"\(kind.rawValue)\""
        line += ",\"package\":" + JSONText.quoted(package) + ",\"backend\":" + JSONText.quoted(backend)
        line += ",\"schema\":[" + schema.map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]"
        line += ",\"labels\":[" + labels.map(JSONText.quoted).joined(separator: ",") + "]"
        line += ",\"columnTypes\":[" + columnTypes.map(JSONText.quoted).joined(separator: ",") + "]"
        line += ",\"start\":" + RecordedValue.time(start).json + "}\n"
        return line
    }
}
