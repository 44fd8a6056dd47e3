// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import Testing

@testable import MICEPluginHost

@Suite("StderrRelay level prefixes")
struct StderrRelayTests {
    @Test("E! W! I! D! T! map to levels and are stripped; anything else is info, unchanged")
    func prefixes() {
        #expect(StderrRelay.level(of: "E! disk full") == (.error, "disk full"))
        #expect(StderrRelay.level(of: "W! slow") == (.warning, "slow"))
        #expect(StderrRelay.level(of: "I! hello") == (.info, "hello"))
        #expect(StderrRelay.level(of: "D! detail") == (.debug, "detail"))
        #expect(StderrRelay.level(of: "T! trace") == (.trace, "trace"))
        #expect(StderrRelay.level(of: "X! other") == (.info, "X! other"))
        #expect(StderrRelay.level(of: "E!no space") == (.info, "E!no space"))
        #expect(StderrRelay.level(of: "E!") == (.info, "E!"))
        #expect(StderrRelay.level(of: "") == (.info, ""))
    }
}
