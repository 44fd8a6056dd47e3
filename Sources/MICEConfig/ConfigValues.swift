// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The typed values of a configuration file that passed ``ConfigSchema/validate(_:)``, with the
/// line each came from so that later checks can name it.
///
/// Sections and keys are looked up by name in any case.
public struct ConfigValues: Sendable, Hashable {
    struct SettingKey: Hashable, Sendable {
        var section: String
        var key: String
    }

    struct Setting: Hashable, Sendable {
        var value: ConfigValue
        // The line of the (last) assignment; nil for a default.
        var line: Int?
        // One line per list item (or the line of a scalar value).
        var itemLines: [Int]
        var isDefault = false
    }

    /// One list item with the line it is on.
    public struct Item: Sendable, Hashable {
        /// The item's text.
        public var text: String
        /// The 1-based line of the item (nil for a default).
        public var line: Int?
    }

    /// The configuration file as the caller named it.
    public let file: String
    private let settings: [SettingKey: Setting]

    init(file: String, settings: [SettingKey: Setting]) {
        self.file = file
        self.settings = settings
    }

    private func setting(_ key: String, in section: String) -> Setting? {
        settings[SettingKey(section: section.uppercased(), key: key.uppercased())]
    }

    /// Whether the file sets `key` in `section` (defaults do not count).
    public func isSet(_ key: String, in section: String) -> Bool {
        guard let setting = setting(key, in: section) else { return false }
        return !setting.isDefault
    }

    /// The value of `key` in `section`, or its default, or nil.
    public func value(_ key: String, in section: String) -> ConfigValue? { setting(key, in: section)?.value }

    /// A string key's value (or default).
    public func string(_ key: String, in section: String) -> String? {
        if case .string(let text)? = value(key, in: section) { return text }
        return nil
    }

    /// An int or long key's value (or default).
    public func int(_ key: String, in section: String) -> Int? {
        if case .int(let number)? = value(key, in: section) { return number }
        return nil
    }

    /// A bool key's value or default; an unset boolean without a default is false.
    public func bool(_ key: String, in section: String) -> Bool {
        if case .bool(let flag)? = value(key, in: section) { return flag }
        return false
    }

    /// A list key's items in file order (empty when unset).
    public func list(_ key: String, in section: String) -> [Item] {
        guard let setting = setting(key, in: section), case .list(let texts) = setting.value else { return [] }
        return texts.enumerated().map { index, text in
            Item(text: text, line: index < setting.itemLines.count ? setting.itemLines[index] : nil)
        }
    }

    /// The line of the (last) assignment of `key`, nil when unset or defaulted.
    public func line(of key: String, in section: String) -> Int? { setting(key, in: section)?.line }

    /// An ``ConfigError/Code/invalidValue`` error naming this file, the key's line and the key.
    public func invalid(_ key: String, in section: String, line: Int? = nil, _ detail: String) -> ConfigError {
        ConfigError(
            .invalidValue, file: file, line: line ?? self.line(of: key, in: section), section: section.uppercased(),
            key: key.uppercased(), detail)
    }
}
