// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEConfig
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ConfigDocumentationTests {
    /// docs/config.md has a table row for every section and key of both schemas.
    @Test(arguments: [DataForwarderConfig.schema, BufferDaemonConfig.schema].map(\.name))
    func everyKeyIsDocumented(name: String) throws {
        let schema = name == DataForwarderConfig.schema.name ? DataForwarderConfig.schema : BufferDaemonConfig.schema
        let document = try readText(Repository.root + "/docs/config.md")
        for section in schema.sections {
            for key in section.keys {
                #expect(
                    document.contains("| \(section.name) | \(key.name) |"),
                    "docs/config.md lacks the row \"| \(section.name) | \(key.name) |\" of \(schema.name)")
            }
        }
    }

    func readText(_ path: String) throws -> String {
        guard let file = fopen(path, "r") else { throw ConfigError(.unreadable, file: path, "cannot open") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
