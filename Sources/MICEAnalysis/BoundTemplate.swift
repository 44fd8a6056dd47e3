// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A ``RuleTemplate`` bound to one rule's flat group list, resolved straight from the line's
/// bytes and the group offsets (no ``RuleCaptures`` dictionary per line).
///
/// Same results as ``RuleTemplate/resolve(_:)``: `$0` is the whole line, a group that did not
/// take part (or does not exist) gives nil, a name takes the last pattern where it took part.
struct BoundTemplate {
    enum Part {
        case literal(String)
        case line
        /// Index in the rule's flat group list.
        case group(Int)
        /// Candidate flat group indexes, in pattern order.
        case named([Int])
        case missing
    }

    let parts: [Part]
    /// The value when the template has no references.
    let constant: String?

    init(_ template: RuleTemplate, groupCount: Int, names: [String: [Int]], absentGroupIsEmpty: Bool = false) {
        var parts: [Part] = []
        var constant = ""
        var isConstant = true
        for part in template.parts {
            switch part {
            case .literal(let text):
                parts.append(.literal(text))
                constant += text
            case .group(let number):
                isConstant = false
                if number == 0 {
                    parts.append(.line)
                } else if number <= groupCount {
                    parts.append(.group(number - 1))
                } else if !absentGroupIsEmpty {
                    parts.append(.missing)
                }
            case .named(let name):
                isConstant = false
                parts.append(names[name].map { .named($0) } ?? .missing)
            }
        }
        self.parts = parts
        self.constant = isConstant ? constant : nil
    }

    /// The text, with `spans` holding start and end of each of the rule's groups (-1: unset).
    /// Built in one allocation: the pieces' byte ranges first, then one copy.
    func resolve(_ line: UnsafeRawBufferPointer, _ spans: UnsafePointer<Int>) -> String? {
        if let constant { return constant }
        if parts.count == 1, case .group(let index) = parts[0] { return Self.text(line, spans, index) }
        var total = 0
        for part in parts {
            switch part {
            case .literal(let text): total += text.utf8.count
            case .line: total += line.count
            case .group(let index):
                guard spans[2 * index] >= 0 else { return nil }
                total += spans[2 * index + 1] - spans[2 * index]
            case .named(let candidates):
                guard let index = candidates.last(where: { spans[2 * $0] >= 0 }) else { return nil }
                total += spans[2 * index + 1] - spans[2 * index]
            case .missing: return nil
            }
        }
        return String(unsafeUninitializedCapacity: total) { buffer in
            var count = 0
            func append(_ bytes: UnsafeRawBufferPointer) {
                UnsafeMutableRawBufferPointer(
                    rebasing: UnsafeMutableRawBufferPointer(buffer)[count..<count + bytes.count]
                )
                .copyMemory(from: bytes)
                count += bytes.count
            }
            for part in parts {
                switch part {
                case .literal(var text): text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
                case .line: append(line)
                case .group(let index):
                    append(UnsafeRawBufferPointer(rebasing: line[spans[2 * index]..<spans[2 * index + 1]]))
                case .named(let candidates):
                    if let index = candidates.last(where: { spans[2 * $0] >= 0 }) {
                        append(UnsafeRawBufferPointer(rebasing: line[spans[2 * index]..<spans[2 * index + 1]]))
                    }
                case .missing: break
                }
            }
            return count
        }
    }

    @inline(__always)
    private static func text(_ line: UnsafeRawBufferPointer, _ spans: UnsafePointer<Int>, _ index: Int) -> String? {
        let start = spans[2 * index]
        guard start >= 0 else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<spans[2 * index + 1]]), as: UTF8.self)
    }
}
