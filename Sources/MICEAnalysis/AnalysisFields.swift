// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The IDMEF fields of an event, by normalised path: a `[String: String]` in behaviour.
///
/// Most events come from one rule whose paths are all known when the ruleset is loaded. Such an
/// event shares the rule's ``Layout`` (its constant values and the paths of the values taken
/// from the line) and holds only the values from the line, in layout order: no hashing and no
/// dictionary per event. Everything else (contexts, chains of rules with assignments, edits) is
/// a plain dictionary; the first edit of a compact value turns it into one.
public struct AnalysisFields: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// What the events of one rule share.
    final class Layout: Sendable {
        /// The rule's constant assignments.
        let constant: [String: String]
        /// The paths whose values come from the line, in the order the values are kept.
        let linePaths: [String]
        /// Path → index in ``linePaths``.
        let lineIndex: [String: Int]

        init(constant: [String: String], linePaths: [String]) {
            self.constant = constant
            self.linePaths = linePaths
            lineIndex = Dictionary(uniqueKeysWithValues: linePaths.enumerated().map { ($1, $0) })
        }
    }

    private enum Storage: Sendable {
        case dictionary([String: String])
        /// Values per ``Layout/linePaths``; nil: the template did not resolve (no field).
        case compact(Layout, ContiguousArray<String?>)
    }

    private var storage: Storage

    public init(_ dictionary: [String: String] = [:]) {
        storage = .dictionary(dictionary)
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        storage = .dictionary(Dictionary(elements) { _, new in new })
    }

    init(layout: Layout, values: ContiguousArray<String?>) {
        storage = .compact(layout, values)
    }

    /// The fields as a dictionary.
    public var dictionary: [String: String] {
        switch storage {
        case .dictionary(let fields): return fields
        case .compact(let layout, let values):
            var fields = layout.constant
            for (index, value) in values.enumerated() {
                if let value { fields[layout.linePaths[index]] = value }
            }
            return fields
        }
    }

    /// The value at `path`, or nil.
    public subscript(path: String) -> String? {
        get {
            switch storage {
            case .dictionary(let fields): return fields[path]
            case .compact(let layout, let values):
                if let index = layout.lineIndex[path] { return values[index] }
                return layout.constant[path]
            }
        }
        set {
            var fields = dictionary
            fields[path] = newValue
            storage = .dictionary(fields)
        }
    }

    /// Removes `path`; returns its value.
    @discardableResult
    public mutating func removeValue(forKey path: String) -> String? {
        guard let value = self[path] else { return nil }
        self[path] = nil
        return value
    }

    public var isEmpty: Bool {
        switch storage {
        case .dictionary(let fields): return fields.isEmpty
        case .compact(let layout, let values): return layout.constant.isEmpty && !values.contains { $0 != nil }
        }
    }

    public var count: Int {
        switch storage {
        case .dictionary(let fields): return fields.count
        case .compact(let layout, let values): return layout.constant.count + values.count { $0 != nil }
        }
    }

    public func makeIterator() -> Dictionary<String, String>.Iterator { dictionary.makeIterator() }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.dictionary == rhs.dictionary }

    public func hash(into hasher: inout Hasher) { hasher.combine(dictionary) }
}
