// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETestSupport

/// The successive stages of packages/id/new_badhosts.nfr as the seed prints them (its tabs and
/// trailing blanks kept), each a complete file: Tests/Fixtures/nfr/stageN.nfr, which the NFR
/// engine's tests (Tests/MICENFRTests/SeedExampleTests) run too.
enum SeedStages {
    /// Stage 1: the list of broadcast addresses, echoed.
    static let badhostsList = stage(1)
    /// Stage 2: a filter echoing every IP packet.
    static let everyPacket = stage(2)
    /// Stage 3: only packets from or to a bad host.
    static let onlyBadHosts = stage(3)
    /// Stage 4: the exceptions.
    static let exceptions = stage(4)
    /// Stage 5: protocol names, ports and TCP flags.
    static let protocols = stage(5)
    /// Stage 6: the schema, the recorder and the record statement.
    static let recorded = stage(6)
    /// Stage 7 (final): the alert context and the alert.
    static let alerted = stage(7)

    /// The text of `Tests/Fixtures/nfr/stageN.nfr` (empty when missing: every test then fails).
    static func stage(_ number: Int) -> String {
        let path = TestPaths.repositoryRoot + "/Tests/Fixtures/nfr/stage\(number).nfr"
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
