// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICERecords
import MICETestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Each reaction in a fresh sandboxed process: the mice-test-reaction fixture tries what a
/// compromised module would; the sandbox stops it and the daemon reports RID_ERROR.
@Suite("ReactionDaemon sandbox", .serialized)
struct ReactionSandboxTests {
    static let allowed = "/tmp/mice-test-reaction-allowed"

    static func harness() throws -> ReactionDaemonHarness {
        try FileManager.default.createDirectory(atPath: allowed, withIntermediateDirectories: true)
        chmod(allowed, 0o777)
        return try ReactionDaemonHarness(rows: [
            .init(fid: 1, module: "mice-test-reaction", timeout: 3),
            .init(fid: 2, module: "mice-test-reaction", idsFromRequest: true, timeout: 3),
        ])
    }

    @Test("runs as the entry's uid and gid; a request overrides them only where the entry allows, never to root")
    func identity() throws {
        guard getuid() == 0 else {
            print("SKIPPED identity: the sandbox tests need root (setuid, Landlock for other uids)")
            return
        }
        let harness = try Self.harness()
        #expect(try harness.exec(1, "whoami", uid: otherUID, gid: otherUID) == ReactionMessage.RID_SUCCESS)
        #expect(harness.log.contains("uid \(testUID) gid \(testUID)"), "\(harness.log.suffix(1500))")
        #expect(try harness.exec(2, "whoami", uid: otherUID, gid: otherUID) == ReactionMessage.RID_SUCCESS)
        #expect(harness.log.contains("uid \(otherUID) gid \(otherUID)"))
        // 0 means "the entry's" (what original clients send).
        #expect(try harness.exec(2, "whoami") == ReactionMessage.RID_SUCCESS)
        #expect(!harness.log.contains("uid 0 gid"))
    }

    @Test("a write outside the declared paths, an exec and an IP socket are refused and reported")
    func confinement() throws {
        guard getuid() == 0 else {
            print("SKIPPED confinement: needs root")
            return
        }
        let harness = try Self.harness()
        let outside = "/tmp/mice-test-reaction-outside"
        let inside = Self.allowed + "/inside"
        unlink(outside)
        unlink(inside)
        // /tmp is writable by the uid: only Landlock stops this write.
        #expect(try harness.exec(1, "write outside") == ReactionMessage.RID_ERROR)
        #expect(access(outside, F_OK) != 0, "the module wrote outside its paths")
        #expect(try harness.exec(1, "write inside") == ReactionMessage.RID_SUCCESS)
        #expect(access(inside, F_OK) == 0)
        #expect(try harness.exec(1, "exec") == ReactionMessage.RID_ERROR)
        #expect(try harness.exec(1, "connect") == ReactionMessage.RID_ERROR)
        let log = harness.log
        #expect(log.contains("Permission denied") || log.contains("Operation not permitted"), "\(log.suffix(2000))")
    }

    @Test("a fork bomb, a memory hog, a CPU spinner and a sleeper are stopped and reported; nothing is left running")
    func limits() throws {
        guard getuid() == 0 else {
            print("SKIPPED limits: needs root")
            return
        }
        let harness = try Self.harness()
        let started = ContinuousClock.now
        #expect(try harness.exec(1, "fork") == ReactionMessage.RID_ERROR)
        #expect(harness.log.contains("fork refused after"), "\(harness.log.suffix(2000))")
        #expect(try harness.exec(1, "alloc 2048") == ReactionMessage.RID_ERROR)
        #expect(harness.log.contains("malloc 2048 MiB refused"))
        #expect(try harness.exec(1, "spin") == ReactionMessage.RID_ERROR)
        #expect(try harness.exec(1, "sleep") == ReactionMessage.RID_ERROR)
        #expect(harness.log.contains("killed after the wall-clock limit of 3 s"), "\(harness.log.suffix(2000))")
        #expect(ContinuousClock.now - started < .seconds(40))
        // The process groups are gone: no process of the module's uid survives.
        let deadline = ContinuousClock.now + .seconds(10)
        while !processes(ofUID: testUID).isEmpty, ContinuousClock.now < deadline { usleep(20_000) }
        #expect(processes(ofUID: testUID).isEmpty)
        #expect(try harness.exec(1, "ok") == ReactionMessage.RID_SUCCESS)
    }
}
