// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A typed configuration value.
public enum ConfigValue: Sendable, Hashable {
    /// A ``ConfigSchema/ValueType/string`` value.
    case string(String)
    /// An ``ConfigSchema/ValueType/int`` or ``ConfigSchema/ValueType/long`` value.
    case int(Int)
    /// A ``ConfigSchema/ValueType/bool`` value.
    case bool(Bool)
    /// A ``ConfigSchema/ValueType/stringList`` value.
    case list([String])
}
