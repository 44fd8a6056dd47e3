// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEConfig
import MICEForwarder
import MICETail
import Testing

@Suite struct ResumePlanTests {
    let x = FileIdentity(device: 1, inode: 10)
    let y = FileIdentity(device: 1, inode: 11)

    func line(_ identity: FileIdentity, _ offset: UInt64) -> TailLine {
        TailLine(
            path: "/a", tag: .file, content: [], isTerminated: true, isTruncated: false,
            position: TailPosition(identity: identity, offset: offset))
    }

    @Test func tailerResumesAtTheSmallestOffsetAndEachLinkSkipsWhatItHas() {
        var plan = ResumePlan(
            checkpoints: [
                ["/a": [TailPosition(identity: x, offset: 100)]], ["/a": [TailPosition(identity: x, offset: 300)]],
            ],
            fallback: [:])
        #expect(plan.tailerPositions["/a"] == [TailPosition(identity: x, offset: 100)])
        #expect(plan.route(line(x, 200)) == [true, false])
        #expect(plan.route(line(x, 300)) == [true, false])
        #expect(plan.route(line(x, 400)) == [true, true])
    }

    @Test func unknownIdentityCountsAsNothingSentAndFallbackFillsUnknownPaths() {
        let plan = ResumePlan(
            checkpoints: [
                ["/a": [TailPosition(identity: x, offset: 100)]], ["/a": [TailPosition(identity: y, offset: 50)]], nil,
            ],
            fallback: ["/b": [TailPosition(identity: y, offset: 7)]])
        let a = plan.tailerPositions["/a"] ?? []
        #expect(a.first { $0.identity == x }?.offset == 0)
        #expect(a.first { $0.identity == y }?.offset == 0)
        #expect(plan.tailerPositions["/b"] == [TailPosition(identity: y, offset: 7)])
        #expect(plan.linkPositions[2]["/b"] == [TailPosition(identity: y, offset: 7)])
    }

    @Test func truncationStopsSkipping() {
        var plan = ResumePlan(
            checkpoints: [
                ["/a": [TailPosition(identity: x, offset: 500)]], ["/a": [TailPosition(identity: x, offset: 100)]],
            ],
            fallback: [:])
        #expect(plan.route(line(x, 200)) == [false, true])
        // The file was truncated: offsets start again, everything is new for both links.
        #expect(plan.route(line(x, 20)) == [true, true])
        #expect(plan.route(line(x, 400)) == [true, true])
    }

    @Test func aFileShorterThanTheCheckpointIsReadAgain() {
        var plan = ResumePlan(
            checkpoints: [["/a": [TailPosition(identity: x, offset: 500)]]], fallback: [:], currentSizes: [x: 30])
        #expect(plan.route(line(x, 10)) == [true])
    }
}
