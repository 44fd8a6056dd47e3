// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The sections and typed keys one program accepts; validates a ``ConfigDocument``.
///
/// Unlike parsecfg, the schema rejects what it does not know instead of ignoring it: an unknown
/// section, an unknown key, and a known key in the wrong section are errors naming the file and
/// line (the wrong-section error also names the section the key belongs in). Booleans that are not
/// set read as `false` (parsecfg left them at −1, which C code took as true).
public struct ConfigSchema: Sendable {
    /// The type of a key's value.
    public enum ValueType: Sendable, Hashable, CustomStringConvertible {
        /// Text; when the key occurs twice, the last assignment wins.
        case string
        /// A decimal integer that fits a C `int` (32 bits), the whole value (parsecfg CFG_INT).
        case int
        /// A decimal integer that fits 64 bits (parsecfg CFG_LONG).
        case long
        /// TRUE/YES/T/Y/1 or FALSE/NO/F/N/0, any case.
        case bool
        /// A list of texts: every occurrence of the key appends (`KEY = a` twice, or `KEY = {` list `}`).
        case stringList

        public var description: String {
            switch self {
            case .string: return "string"
            case .int: return "int"
            case .long: return "long"
            case .bool: return "bool"
            case .stringList: return "string list"
            }
        }
    }

    /// One key of a section.
    public struct Key: Sendable {
        /// The key as the documentation spells it (upper case).
        public var name: String
        /// The type of its value.
        public var type: ValueType
        /// Whether the file must set it.
        public var isRequired: Bool
        /// The value when the file does not set it (nil: no value; booleans without a default read false).
        public var defaultValue: ConfigValue?
        /// One line for the documentation.
        public var summary: String

        public init(
            _ name: String, _ type: ValueType, required: Bool = false, default defaultValue: ConfigValue? = nil,
            _ summary: String = ""
        ) {
            self.name = name.uppercased()
            self.type = type
            self.isRequired = required
            self.defaultValue = defaultValue
            self.summary = summary
        }
    }

    /// One `[SECTION]` and its keys.
    public struct Section: Sendable {
        /// The name as the documentation spells it (upper case).
        public var name: String
        /// The keys it accepts.
        public var keys: [Key]

        public init(_ name: String, _ keys: [Key]) {
            self.name = name.uppercased()
            self.keys = keys
        }

        /// The key called `name` (any case), if this section has it.
        public func key(_ name: String) -> Key? {
            let wanted = name.uppercased()
            return keys.first { $0.name == wanted }
        }
    }

    /// The file name used in documentation, e.g. `dataforwarder.conf`.
    public var name: String
    /// The sections in documentation order.
    public var sections: [Section]

    public init(name: String, sections: [Section]) {
        self.name = name
        self.sections = sections
    }

    /// The section called `name` (any case), if the schema has it.
    public func section(_ name: String) -> Section? {
        let wanted = name.uppercased()
        return sections.first { $0.name == wanted }
    }

    /// Checks a parsed file and converts its values to their types.
    /// - Returns: Every key of the schema that is set or has a default.
    /// - Throws: ``ConfigError`` naming the file, line, section and key at fault.
    public func validate(_ document: ConfigDocument) throws(ConfigError) -> ConfigValues {
        let file = document.file
        var settings: [ConfigValues.SettingKey: ConfigValues.Setting] = [:]
        for written in document.sections {
            guard let section = section(written.name) else {
                throw ConfigError(
                    .unknownSection, file: file, line: written.line, section: written.name,
                    "\(name) has the sections \(sections.map { "[\($0.name)]" }.joined(separator: ", "))")
            }
            for entry in written.entries {
                guard let key = section.key(entry.key) else {
                    if let home = sections.first(where: { $0.key(entry.key) != nil }) {
                        throw ConfigError(
                            .misplacedKey, file: file, line: entry.line, section: section.name, key: entry.key,
                            "\(entry.key.uppercased()) belongs in section [\(home.name)], not [\(section.name)]")
                    }
                    let known = section.keys.map(\.name).joined(separator: ", ")
                    throw ConfigError(
                        .unknownKey, file: file, line: entry.line, section: section.name, key: entry.key,
                        "[\(section.name)] of \(name) has the keys \(known)")
                }
                let settingKey = ConfigValues.SettingKey(section: section.name, key: key.name)
                try apply(entry, key: key, section: section.name, file: file, into: &settings[settingKey])
            }
        }
        for section in sections {
            for key in section.keys {
                let settingKey = ConfigValues.SettingKey(section: section.name, key: key.name)
                guard settings[settingKey] == nil else { continue }
                if key.isRequired {
                    let header = document.sections.first { $0.canonicalName == section.name }
                    throw ConfigError(
                        .missingKey, file: file, line: header?.line, section: section.name, key: key.name,
                        "required \(key.type) key is not set")
                }
                if let value = key.defaultValue {
                    settings[settingKey] = ConfigValues.Setting(value: value, line: nil, itemLines: [], isDefault: true)
                }
            }
        }
        return ConfigValues(file: file, settings: settings)
    }

    private func apply(
        _ entry: ConfigDocument.Entry, key: Key, section: String, file: String,
        into setting: inout ConfigValues.Setting?
    ) throws(ConfigError) {
        func wrongType(_ detail: String, line: Int? = nil) -> ConfigError {
            ConfigError(.wrongType, file: file, line: line ?? entry.line, section: section, key: key.name, detail)
        }
        if key.type == .stringList {
            var items: [String] = []
            var lines: [Int] = []
            if case .list(let existing)? = setting?.value {
                items = existing
                lines = setting?.itemLines ?? []
            }
            for value in entry.values {
                items.append(value.text)
                lines.append(value.line)
            }
            setting = ConfigValues.Setting(value: .list(items), line: entry.line, itemLines: lines)
            return
        }
        guard !entry.isList, let value = entry.values.first else {
            throw wrongType("expected one \(key.type) value, found a { } list")
        }
        let converted: ConfigValue
        switch key.type {
        case .string, .stringList:
            converted = .string(value.text)
        case .int, .long:
            guard let number = Self.parseDecimal(value.text) else {
                throw wrongType("expected a decimal integer, found \"\(value.text)\"")
            }
            if key.type == .int && (number < Int(Int32.min) || number > Int(Int32.max)) {
                throw wrongType("\(value.text) does not fit a 32-bit int")
            }
            converted = .int(number)
        case .bool:
            guard let flag = Self.parseBool(value.text) else {
                throw wrongType("expected yes/no (TRUE/YES/T/Y/1 or FALSE/NO/F/N/0), found \"\(value.text)\"")
            }
            converted = .bool(flag)
        }
        // Last assignment wins, as in parsecfg.
        setting = ConfigValues.Setting(value: converted, line: entry.line, itemLines: [value.line])
    }

    /// A whole-value decimal integer with an optional sign (leading zeros are decimal, not octal).
    static func parseDecimal(_ text: String) -> Int? {
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var value = 0
        for digit in digits.utf8 {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return negative ? -value : value
    }

    /// parsecfg's boolean words, any case.
    static func parseBool(_ text: String) -> Bool? {
        switch text.uppercased() {
        case "TRUE", "YES", "T", "Y", "1": return true
        case "FALSE", "NO", "F", "N", "0": return false
        default: return nil
        }
    }
}
