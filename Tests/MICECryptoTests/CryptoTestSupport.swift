// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICERecords
import MICETestSupport

/// The repository root, found from this file's path (Tests/MICECryptoTests/<file>).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Builds contrib/build/mice-cipher once per test run with `make -C contrib/twofish-cipher`.
enum CipherTool {
    struct Build: Sendable {
        var path: String?
        var log: String
    }

    static let build: Build = {
        let makefile = repositoryRoot.appendingPathComponent("contrib/twofish-cipher").path
        do {
            let result = try runProgram("/usr/bin/env", ["make", "-s", "-C", makefile])
            let path = repositoryRoot.appendingPathComponent("contrib/build/mice-cipher").path
            if result.status == 0 && FileManager.default.isExecutableFile(atPath: path) {
                return Build(path: path, log: result.errorText)
            }
            return Build(path: nil, log: "make failed (\(result.status)): \(result.errorText)")
        } catch {
            return Build(path: nil, log: "cannot run make: \(error)")
        }
    }()

    /// Runs mice-cipher; throws when it could not be built.
    static func run(_ arguments: [String], input: [UInt8]) throws -> ProgramResult {
        guard let path = build.path else { throw ToolError(message: build.log) }
        return try runProgram(path, arguments, input: input)
    }

    struct ToolError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

/// The key and IV of the spec's test vectors.
let vectorPassword = "ChangeMe :-P"
let vectorIV: [UInt8] = Array(0..<16)

/// One encoded example record of each inner kind, with valid checksums.
func sampleInner(_ kind: RecordKind, variant: Int = 0) -> [UInt8] {
    switch kind {
    case .logFormat(let layout):
        var record = specExampleLogFormat(fileType: layout == .v02 ? 1 : 0)
        record[text: \.logData] += " #\(variant)"
        return record.encode(layout: layout)
    case .idmefMessage:
        return IdmefMsgFormat(message: Array("<IDMEF-Message version=\"1.0\"/> #\(variant)".utf8)).encode()
    case .ridMessage:
        return RIDMsgFormat(alertID: Array("0x1020".utf8), reactionID: Int32(variant)).encode()
    case .reactionMessage(let architecture):
        let exec = ExecMessage(
            alertID: Array("0x1020".utf8), reactionID: 4, functionID: 1, numberOfArgs: 1,
            argFormatString: Array("echo TEST \(variant)".utf8))
        return ReactionMessage(timestamp: 1_094_403_300, mode: ReactionMessage.MID_EXEC, modeData: .exec(exec))
            .encode(architecture: architecture)
    }
}

let envelopeKinds: [RecordKind] = [
    .logFormat(.seed), .logFormat(.v02), .idmefMessage, .reactionMessage(.i386), .reactionMessage(.x86_64),
]
