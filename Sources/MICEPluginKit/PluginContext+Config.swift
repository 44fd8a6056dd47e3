// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

// Typed access to configuration keys; a value of the wrong type is a PluginConfigError that
// names the key (the module then exits 78 and is not restarted).

extension PluginContext {
    /// The string at `key`, or `defaultValue` when the key is absent or null.
    public func string(_ key: String, default defaultValue: String? = nil) throws -> String? {
        switch config[key] {
        case nil, .null?: return defaultValue
        case .string(let value)?: return value
        case let other?: throw PluginConfigError(key: key, "expected a string, found \(other.typeName)")
        }
    }

    /// The Boolean at `key`, or `defaultValue`.
    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        switch config[key] {
        case nil, .null?: return defaultValue
        case .bool(let value)?: return value
        case let other?: throw PluginConfigError(key: key, "expected a Boolean, found \(other.typeName)")
        }
    }

    /// The integer at `key`, or `defaultValue`.
    public func integer(_ key: String, default defaultValue: Int64) throws -> Int64 {
        guard let value = config[key], value != .null else { return defaultValue }
        guard let integer = value.intValue else {
            throw PluginConfigError(key: key, "expected an integer, found \(value.typeName)")
        }
        return integer
    }

    /// The array of strings at `key`, or `[]`; the error names the element at fault (`key[2]`).
    public func strings(_ key: String) throws -> [String] {
        switch config[key] {
        case nil, .null?: return []
        case .array(let values)?:
            return try values.enumerated().map { index, value in
                guard let text = value.stringValue else {
                    throw PluginConfigError(key: "\(key)[\(index)]", "expected a string, found \(value.typeName)")
                }
                return text
            }
        case let other?: throw PluginConfigError(key: key, "expected an array of strings, found \(other.typeName)")
        }
    }
}
