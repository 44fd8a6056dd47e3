// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEConfig
import MICEPluginManifest
import MICEReactionDaemon
import MICERecords
import MICETestSupport
import Testing

@Suite("ReactionDaemon configuration, arguments and replay window")
struct ReactionConfigTests {
    static let original = """
        [FUNCTION_ID]
        FID = 0x000001
        [REACTION_MODULES]
        RCT_MOD = mice_mod_rct_dummy
        [REACTION_MODULES_CONFIG_FILE]
        RCT_FILE = /etc/M-ICE/mice_mod_rct_dummy.conf
        [NETWORK]
        IP = 0.0.0.0
        PORT = 1977
        [SECURITY]
        PASSWORD = changeme
        CRYPTMOD = twofish
        CHROOT = /var/M-ICE/chroot
        [MISC]
        PIDPATH = /var/run/M-ICE/
        MODPATH = /usr/lib
        BACKLOG = 16

        """

    @Test("the original reactiondaemon.conf loads with the defaults of the new keys")
    func original() throws {
        let config = try ReactionDaemonConfig.parse(Self.original, file: "reactiondaemon.conf")
        #expect(config.entries.count == 1)
        let entry = try #require(config.entries.first)
        #expect(entry.functionID == 1 && entry.module == "mice_mod_rct_dummy")
        #expect(entry.configFile == "/etc/M-ICE/mice_mod_rct_dummy.conf")
        #expect(
            entry.user == "nobody" && entry.group == "nogroup" && !entry.idsFromRequest && entry.timeoutSeconds == 10)
        #expect(config.port == 1977 && config.authentication == .twofish && !config.allowUnauthenticated)
        #expect(config.architecture == .x86_64 && config.replayWindowSeconds == 30)
    }

    @Test("the shipped etc/reactiondaemon.conf loads and uses mutual TLS")
    func shipped() throws {
        let config = try ReactionDaemonConfig.load(path: TestPaths.repositoryRoot + "/etc/reactiondaemon.conf")
        #expect(config.entries.map(\.module) == ["mice-rct-block", "mice_mod_rct_dummy", "mice-rct-account"])
        #expect(config.entries.map(\.user) == ["0", "nobody", "0"])
        #expect(config.authentication == .tls && !config.allowUnauthenticated)
        #expect(config.tlsCertificateName == "reactiond" && config.tlsPKIDirectory == "/etc/M-ICE/pki")
        let noName = try String(contentsOfFile: TestPaths.repositoryRoot + "/etc/reactiondaemon.conf", encoding: .utf8)
            .replacingOccurrences(of: "TLSNAME = reactiond", with: "")
        #expect(throws: ConfigError.self) { try ReactionDaemonConfig.parse(noName, file: "reactiondaemon.conf") }
    }

    @Test("REACTION_SANDBOX lists run parallel to FID; errors name the line and key")
    func sandboxLists() throws {
        let text =
            Self.original.replacingOccurrences(of: "FID = 0x000001", with: "FID = 0x000001\nFID = 0x2A")
            .replacingOccurrences(of: "RCT_MOD = mice_mod_rct_dummy", with: "RCT_MOD = a\nRCT_MOD = b")
            .replacingOccurrences(
                of: "RCT_FILE = /etc/M-ICE/mice_mod_rct_dummy.conf", with: "RCT_FILE = \"\"\nRCT_FILE = x")
            + "ARCH = i386\n[REACTION_SANDBOX]\nRCT_USER = 0\nRCT_USER = 1000\nRCT_IDS_FROM_REQUEST = no\n"
            + "RCT_IDS_FROM_REQUEST = yes\nRCT_TIMEOUT = 5\nRCT_TIMEOUT = 60\n"
        let config = try ReactionDaemonConfig.parse(
            text.replacingOccurrences(of: "BACKLOG = 16\n", with: "BACKLOG = 16\n").replacingOccurrences(
                of: "ARCH = i386\n", with: ""), file: "r.conf")
        #expect(config.entries.map(\.functionID) == [1, 42])
        #expect(config.entries.map(\.user) == ["0", "1000"])
        #expect(config.entries.map(\.idsFromRequest) == [false, true])
        #expect(config.entries.map(\.timeoutSeconds) == [5, 60])
        #expect(config.entries[0].configFile == nil)
        let short = Self.original + "[REACTION_SANDBOX]\nRCT_USER = 0\nRCT_USER = 1\n"
        #expect(throws: ConfigError.self) { try ReactionDaemonConfig.parse(short, file: "r.conf") }
        let badFID = Self.original.replacingOccurrences(of: "0x000001", with: "0xZZ")
        #expect(throws: ConfigError.self) { try ReactionDaemonConfig.parse(badFID, file: "r.conf") }
        let shortPassword = Self.original.replacingOccurrences(of: "changeme", with: "abc")
        #expect(throws: ConfigError.self) { try ReactionDaemonConfig.parse(shortPassword, file: "r.conf") }
    }

    @Test("arguments: tokens checked against the schema; no shell syntax gets through")
    func arguments() throws {
        let specs = [
            ReactionArgumentSpec(name: "address", type: .address),
            ReactionArgumentSpec(name: "seconds", type: .integer, isRequired: false, minimum: 1, maximum: 600),
        ]
        func check(_ text: String, count: UInt32 = 1) -> Int32? {
            do {
                _ = try ReactionArguments(bytes: Array(text.utf8), declaredCount: count, specs: specs)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(check("192.0.2.1") == nil)
        #expect(check("2001:db8::1/64  600") == nil)
        #expect(check("192.0.2.1 601") == ReactionMessage.RID_ERROR)
        #expect(check("192.0.2.1;reboot") == ReactionMessage.RID_ERROR)
        #expect(check("$(reboot)") == ReactionMessage.RID_ERROR)
        #expect(check("192.0.2.1\n5") == ReactionMessage.RID_ERROR)
        #expect(check("") == ReactionMessage.RID_NARGS)
        #expect(check("192.0.2.1 5 6") == ReactionMessage.RID_NARGS)
        #expect(check("192.0.2.1 5", count: 3) == ReactionMessage.RID_NARGS)
        #expect(check("192.0.2.1 5", count: 2) == nil)
    }

    @Test("replay window: too old, too far ahead and repeated requests are refused")
    func replay() {
        let guardian = ReplayGuard(window: 30)
        #expect(guardian.admit(timestamp: 1000, message: [1], now: 1000) == nil)
        #expect(guardian.admit(timestamp: 1000, message: [1], now: 1001) == .duplicate)
        #expect(guardian.admit(timestamp: 1000, message: [2], now: 1031) == .tooOld(timestamp: 1000, now: 1031))
        #expect(guardian.admit(timestamp: 1100, message: [3], now: 1000) == .inFuture(timestamp: 1100, now: 1000))
        var clock = ReplayGuard.ConnectionClock()
        #expect(clock.advance(to: 5) == nil)
        #expect(clock.advance(to: 5) == .notIncreasing(timestamp: 5, previous: 5))
        #expect(clock.advance(to: 6) == nil)
    }
}
