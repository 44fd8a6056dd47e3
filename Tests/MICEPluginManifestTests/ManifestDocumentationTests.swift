// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import Testing

@testable import MICEPluginManifest

/// Keeps docs/plugin-manifest.md and the code in step.
@Suite("docs/plugin-manifest.md matches the code")
struct ManifestDocumentationTests {
    static let document: String = {
        let path = ManifestTestSupport.repositoryRoot + "/docs/plugin-manifest.md"
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }()

    /// The rows of the key table: key, type, default cell.
    static var keyRows: [(key: String, type: String, defaultCell: String)] {
        document.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("| `") else { return nil }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { return nil }
            return (cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")), cells[1], cells[2])
        }
    }

    /// The value at a dotted key path of an object.
    private func value(at path: String, in root: JSONValue) -> JSONValue? {
        var current: JSONValue? = root
        for component in path.split(separator: ".") {
            current = current?[String(component)]
        }
        return current
    }

    @Test("the key table lists exactly the schema's keys, in order")
    func keyTable() {
        #expect(!Self.document.isEmpty)
        #expect(Self.keyRows.map(\.key) == ManifestDecoder.schemaKeyPaths)
    }

    @Test("the key table's defaults are the loader's defaults")
    func defaults() throws {
        let option: JSONValue = ["x": ["type": "string"]]
        let manifest = try ManifestTestSupport.load(ManifestTestSupport.manifest(["options": option])).get()
        let json = manifest.jsonValue
        for row in Self.keyRows {
            let path = row.key.replacingOccurrences(of: "<name>", with: "x")
            switch row.defaultCell {
            case "required":
                #expect(ManifestDecoder.requiredKeyPaths.contains(row.key), "\(row.key)")
            case "absent":
                #expect(value(at: path, in: json) == nil, "\(row.key)")
            default:
                #expect(!ManifestDecoder.requiredKeyPaths.contains(row.key), "\(row.key)")
                let cell = row.defaultCell
                try #require(cell.hasPrefix("`") && cell.hasSuffix("`"), "\(row.key): \(cell)")
                var parser = ManifestJSONParser(bytes: Array(cell.dropFirst().dropLast().utf8))
                let documented = try parser.parse()
                if row.type == "object" {
                    #expect(documented == [:], "\(row.key)")
                } else {
                    let actual = try #require(value(at: path, in: json), "\(row.key)")
                    #expect(
                        actual == documented
                            || (actual.doubleValue != nil && actual.doubleValue == documented.doubleValue),
                        "\(row.key): documented \(documented), loader \(actual)")
                }
            }
        }
    }

    @Test("the examples are the fixtures, character for character or value for value")
    func examples() throws {
        let lines = Self.document.components(separatedBy: "\n")
        var checked = 0
        for (index, line) in lines.enumerated() where line.hasPrefix("<!-- fixture: ") {
            let name = line.dropFirst("<!-- fixture: ".count).dropLast(" -->".count)
            try #require(lines[index + 1].hasPrefix("```"))
            let end = try #require(lines[(index + 2)...].firstIndex { $0 == "```" })
            let block = lines[(index + 2)..<end].joined(separator: "\n") + "\n"
            let fixture = ManifestTestSupport.fixtures + "/" + name
            if name.hasSuffix(".sh") {
                #expect(try String(contentsOfFile: fixture, encoding: .utf8) == block, "\(name)")
            } else {
                let text = try String(contentsOfFile: fixture + "/plugin.json", encoding: .utf8)
                var fromDocument = ManifestJSONParser(bytes: Array(block.utf8))
                var fromFixture = ManifestJSONParser(bytes: Array(text.utf8))
                #expect(try fromDocument.parse() == fromFixture.parse(), "\(name)")
                #expect(PluginManifestLoader().load(file: fixture + "/plugin.json").isValid, "\(name)")
            }
            checked += 1
        }
        #expect(checked == 5)
    }

    @Test("the error and warning tables name every code")
    func codeTables() {
        let errors: [PluginManifestError.Code] = [
            .unreadable, .invalidJSON, .duplicateKey, .missingKey, .wrongType, .invalidValue, .layout, .exec,
            .duplicateName,
        ]
        let warnings: [PluginManifestWarning.Code] = [
            .unknownKey, .notExecutable, .unusedDefault, .folderWithoutManifest, .shellCommand,
        ]
        for name in errors.map(\.description) + warnings.map(\.description) {
            #expect(Self.document.contains("\n| \(name) | "), "\(name)")
        }
    }

    @Test("the invalid scenarios the document lists exist")
    func scenarios() throws {
        let start = try #require(Self.document.range(of: "### 9.5 Invalid manifests"))
        let section = Self.document[start.upperBound...]
        let end = try #require(section.range(of: "prints, among others"))
        var names: [String] = []
        var rest = section[..<end.lowerBound]
        while let open = rest.firstIndex(of: "`") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "`") else { break }
            names.append(String(after[..<close]))
            rest = after[after.index(after: close)...]
        }
        let scenarios = names.filter { !$0.contains("Tests/") && !$0.contains(" ") }
        #expect(scenarios.count == 17)
        for scenario in scenarios {
            #expect(
                FileManager.default.fileExists(
                    atPath: ManifestTestSupport.fixtures + "/invalid/\(scenario)/plugin.json"),
                "\(scenario)")
        }
    }
}
