// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A schema column type (`library_schema:new(1, [ "time", "ip", "int", "string" ], scope())`).
public enum RecorderColumnType: String, CaseIterable, Hashable, Sendable, Codable {
    case time, ip, int, string

    /// Parses a schema type name; `host` is taken for `ip`, `integer` for `int`, `blob` for `string`.
    public init?(schemaName: String) {
        switch schemaName.lowercased() {
        case "time": self = .time
        case "ip", "host": self = .ip
        case "int", "integer": self = .int
        case "string", "blob", "str": self = .string
        default: return nil
        }
    }
}
