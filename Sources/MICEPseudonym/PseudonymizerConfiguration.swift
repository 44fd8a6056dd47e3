// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

/// The keyed pseudonymizer's configuration, read from the module's JSON configuration:
///
/// | key | type | meaning |
/// |---|---|---|
/// | `key` | string | the master key, standard base64, at least 16 bytes |
/// | `keyFile` | string | a file holding the base64 key (`micectl pseudo keygen > FILE`); one of `key`, `keyFile` |
/// | `patterns` | array | replaces the built-in patterns: objects `{"kind": "user", "pattern": "...(?<value>...)..."}` |
/// | `extraPatterns` | array | added after the built-in (or given) patterns, same form |
/// | `minUid` | integer | uids below stay in clear (the original's USER); default 0 = all |
public struct PseudonymizerConfiguration {
    /// The master key.
    public var key: PseudonymKey
    /// Where the key came from: "key" or the key file's path.
    public var keySource: String
    /// Whether the key file can be read by group or others.
    public var keyFileIsExposed: Bool
    /// The patterns, in priority order.
    public var patterns: [IdentifierPattern]
    /// Uids below this stay in clear.
    public var minimumUID: UInt64

    /// Reads the configuration object.
    /// - Throws: ``PseudonymError`` whose `key` names the configuration key at fault; a missing key
    ///   names `key`.
    public init(json config: JSONValue) throws(PseudonymError) {
        func string(_ name: String) throws(PseudonymError) -> String? {
            switch config[name] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            case let other?: throw PseudonymError(.badKey, "expected a string, found \(other.typeName)", key: name)
            }
        }
        let inline = try string("key").flatMap { $0.isEmpty ? nil : $0 }
        let file = try string("keyFile").flatMap { $0.isEmpty ? nil : $0 }
        switch (inline, file) {
        case (nil, nil):
            throw PseudonymError(
                .badKey,
                "no key: set key (base64, at least \(PseudonymKey.minimumByteCount) bytes; "
                    + "`micectl pseudo keygen` makes one) or keyFile", key: "key")
        case (.some, .some):
            throw PseudonymError(.badKey, "give key or keyFile, not both", key: "keyFile")
        case (let text?, nil):
            do {
                key = try PseudonymKey(base64: text)
            } catch {
                throw PseudonymError(.badKey, error.message, key: "key")
            }
            keySource = "key"
            keyFileIsExposed = false
        case (nil, let path?):
            do {
                key = try PseudonymKey(contentsOfFile: path)
            } catch {
                throw PseudonymError(error.code, error.message, key: "keyFile")
            }
            keySource = path
            keyFileIsExposed = PseudonymKey.isReadableByOthers(path)
        }
        var patterns = try Self.patterns(config["patterns"], name: "patterns") ?? IdentifierPattern.defaults()
        patterns += try Self.patterns(config["extraPatterns"], name: "extraPatterns") ?? []
        self.patterns = patterns
        switch config["minUid"] {
        case nil, .null?:
            minimumUID = 0
        case let value?:
            guard let number = value.intValue, number >= 0 else {
                throw PseudonymError(
                    .badValue, "expected an integer of 0 or more, found \(value.typeName)", key: "minUid")
            }
            minimumUID = UInt64(number)
        }
    }

    private static func patterns(_ value: JSONValue?, name: String) throws(PseudonymError) -> [IdentifierPattern]? {
        guard let value, value != .null else { return nil }
        guard let items = value.arrayValue else {
            throw PseudonymError(.badPattern, "expected an array, found \(value.typeName)", key: name)
        }
        var patterns: [IdentifierPattern] = []
        for (index, item) in items.enumerated() {
            let place = "\(name)[\(index)]"
            guard let object = item.objectValue else {
                throw PseudonymError(
                    .badPattern, "expected an object {\"kind\": ..., \"pattern\": ...}, found \(item.typeName)",
                    key: place)
            }
            if let unknown = object.keys.sorted().first(where: { $0 != "kind" && $0 != "pattern" }) {
                throw PseudonymError(.badPattern, "unknown member \"\(unknown)\" (kind, pattern)", key: place)
            }
            let kinds = PseudonymKind.allCases.map(\.rawValue).joined(separator: ", ")
            guard let kindName = object["kind"]?.stringValue, let kind = PseudonymKind(rawValue: kindName) else {
                throw PseudonymError(.badPattern, "expected one of \(kinds)", key: "\(place).kind")
            }
            guard let source = object["pattern"]?.stringValue else {
                throw PseudonymError(.badPattern, "expected a PCRE2 pattern string", key: "\(place).pattern")
            }
            do {
                patterns.append(try IdentifierPattern(kind: kind, source))
            } catch {
                throw PseudonymError(.badPattern, error.message, key: "\(place).pattern")
            }
        }
        return patterns
    }
}
