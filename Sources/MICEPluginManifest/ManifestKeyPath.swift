// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Builds the key paths that errors and warnings name: `timeouts.startSeconds`, `exec[0]`,
/// `options.rules.default`, and `options["log file"].type` for names that are not identifiers.
enum ManifestKeyPath {
    /// The path of member `key` of the object at `parent` (`""` is the top level).
    static func member(_ key: String, of parent: String) -> String {
        let component = isPlain(key) ? key : "[\"" + escaped(key) + "\"]"
        if parent.isEmpty { return isPlain(key) ? key : component }
        return isPlain(key) ? parent + "." + key : parent + component
    }

    /// The path of element `index` of the array at `parent`.
    static func element(_ index: Int, of parent: String) -> String {
        parent + "[\(index)]"
    }

    /// One step of a path while a parser walks the tree.
    enum Component {
        case key(String)
        case index(Int)
    }

    /// Joins the components a parser tracks into one path.
    static func join(_ components: [Component]) -> String {
        var path = ""
        for component in components {
            switch component {
            case .key(let key): path = member(key, of: path)
            case .index(let index): path = element(index, of: path)
            }
        }
        return path
    }

    /// Member names written with a dot: ASCII letters, digits, `_`, `-` and `$`, not starting with a digit.
    private static func isPlain(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return key.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "_" || scalar == "-" || scalar == "$"
        }
    }

    private static func escaped(_ key: String) -> String {
        var result = ""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += "\\u" + hex4(scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
