// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEConfig
import Testing

/// Paths of the repository's fixtures, sample configs and docs.
enum Repository {
    /// The repository root, found from this file's path.
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    static func fixture(_ name: String) -> String { root + "/Tests/Fixtures/configs/" + name }
}

/// Runs `body` and returns the ConfigError it throws; records an issue when it throws none.
func configError(
    _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
) -> ConfigError? {
    do {
        try body()
        Issue.record("expected a ConfigError", sourceLocation: sourceLocation)
        return nil
    } catch let error as ConfigError {
        return error
    } catch {
        Issue.record("expected a ConfigError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A small schema for the syntax and schema tests.
let testSchema = ConfigSchema(
    name: "test.conf",
    sections: [
        .init(
            "MAIN",
            [
                .init("NAME", .string, required: true),
                .init("COUNT", .int, default: .int(7)),
                .init("BIG", .long),
                .init("FLAG", .bool),
                .init("ITEM", .stringList),
            ]),
        .init("OTHER", [.init("PORT", .int)]),
    ])
