// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEBench
import MICECore
import MICECrypto
import MICEReactionDaemon
import MICERecords
import MICETestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The daemon as a process on 127.0.0.1: modes, authentication, replay, hostile input.
@Suite("ReactionDaemon protocol", .serialized)
struct ReactionProtocolTests {
    static let password = "a sixteen+ byte secret"

    @Test("refuses to start in an unauthenticated mode without the opt-in; starts with --allow-unauthenticated")
    func optIn() throws {
        let scratch = try Scratch("rd-optin")
        defer { scratch.remove() }
        let config = try scratch.write(
            "reactiondaemon.conf",
            """
            [FUNCTION_ID]
            FID = 0x000001
            [REACTION_MODULES]
            RCT_MOD = mice_mod_rct_dummy
            [REACTION_MODULES_CONFIG_FILE]
            RCT_FILE = ""
            [NETWORK]
            IP = 127.0.0.1
            PORT = 0
            [SECURITY]
            PASSWORD = changeme
            CRYPTMOD = twofish
            [MISC]
            PIDPATH = /var/run/M-ICE/
            MODPATH = /usr/lib
            BACKLOG = 16
            STATEDIR = \(scratch.path)/state

            """)
        let result = try runProgram(
            TestPaths.binDirectory + "/mice-reactiondaemon",
            ["-f", config, "--plugins", TestPaths.pluginsRoot, "--bin-dir", TestPaths.binDirectory], timeout: 60)
        #expect(result.status == 78)
        #expect(result.errorText.contains("ALLOW_UNAUTHENTICATED"), "\(result.errorText)")
        // The original six-section file, with the original module name, runs with the opt-in.
        let daemon = try DaemonProcessStarter.start(
            config: config, scratch: scratch, extra: ["--allow-unauthenticated"])
        defer { daemon.stop(timeout: 10) }
        let log = (try? String(contentsOfFile: daemon.logFile, encoding: .utf8)) ?? ""
        #expect(log.contains("NOT authenticated"))
        #expect(log.contains("0x1=mice-rct-log"))
    }

    @Test("modes: EXEC, CHECK, SUPPORTED, SHOW, ALL and unknown modes, with the original RetVal codes")
    func modes() throws {
        let harness = try ReactionDaemonHarness(rows: [
            .init(fid: 1, module: "mice-rct-log", config: "{\"syslog\": false}"),
            .init(fid: 2, module: "mice-rct-block", config: "{\"dryRun\": true}"),
        ])
        #expect(try harness.exec(1, "block 192.0.2.7") == ReactionMessage.RID_SUCCESS)
        #expect(try harness.exec(7, "x") == ReactionMessage.RID_UNKNOWNFUNC)
        #expect(try harness.exec(1, "echo TEST > /tmp/rd.txt") == ReactionMessage.RID_ERROR)
        #expect(try harness.exec(2, "192.0.2.1 60 extra") == ReactionMessage.RID_NARGS)
        #expect(try harness.exec(2, "2001:db8::7 60") == ReactionMessage.RID_SUCCESS)
        let connection = try harness.connect()
        var stamp = now()
        func ask(_ mode: UInt32, _ data: ReactionModeData) throws -> ReactionMessage? {
            stamp += 1
            return try connection.request(ReactionMessage(timestamp: stamp, mode: mode, modeData: data))
        }
        #expect(
            ReactionClientConnection.returnValue(try ask(ReactionMessage.MID_CHECK, .check(functionID: 2)))
                == ReactionMessage.RID_SUCCESS)
        #expect(
            ReactionClientConnection.returnValue(try ask(ReactionMessage.MID_CHECK, .check(functionID: 3)))
                == ReactionMessage.RID_UNKNOWNFUNC)
        #expect(
            ReactionClientConnection.returnValue(
                try ask(ReactionMessage.MID_SUPPORTED, .supported(ReactionMessage.MID_ALL)))
                == ReactionMessage.RID_SUCCESS)
        #expect(
            ReactionClientConnection.returnValue(try ask(ReactionMessage.MID_SUPPORTED, .supported(0x2222)))
                == ReactionMessage.RID_UNKNOWNMODE)
        let show = try ask(ReactionMessage.MID_SHOW, .show(0))
        #expect(show?.mode == ReactionMessage.MID_SHOW)
        #expect(show?.modeData == .show(1))
        let all = try #require(try ask(ReactionMessage.MID_ALL, .raw([])))
        #expect(all.mode == ReactionMessage.MID_ALL)
        guard case .raw(let bytes) = all.modeData else {
            Issue.record("MID_ALL answer without data")
            return
        }
        #expect(Array(bytes.prefix(4)) == [0, 0, 0, 1])
        #expect(String(decoding: bytes[4..<16], as: UTF8.self) == "mice-rct-log")
        let second = 4 + 256 * 8
        #expect(Array(bytes[second..<(second + 4)]) == [0, 0, 0, 2])
        #expect(
            ReactionClientConnection.returnValue(try ask(ReactionMessage.MID_RETVAL, .retval(0)))
                == ReactionMessage.RID_UNKNOWNMODE)
        // micectl reactions list shows the dry-run block kept in the state folder.
        let list = try runProgram(
            TestPaths.binDirectory + "/micectl", ["reactions", "list", "--state-dir", harness.stateDirectory],
            timeout: 60)
        #expect(list.status == 0)
        let text = String(decoding: list.output, as: UTF8.self)
        #expect(text.contains("block:2001:db8::7") && text.contains("[dry-run]"), "\(text)")
    }

    @Test("countermeasure plugins: kill a process, lock/unlock (dry-run) kept in and removed from the list")
    func countermeasures() throws {
        guard getuid() == 0 else {
            print("SKIPPED countermeasures: needs root")
            return
        }
        let harness = try ReactionDaemonHarness(rows: [
            .init(fid: 1, module: "mice-rct-kill", user: "0", group: "0"),
            .init(fid: 2, module: "mice-rct-account", config: "{\"dryRun\": true}", user: "0", group: "0"),
            .init(fid: 3, module: "mice-rct-run", config: "{\"dryRun\": true}"),
        ])
        let victim = Process()
        victim.executableURL = URL(fileURLWithPath: "/bin/sleep")
        victim.arguments = ["60"]
        try victim.run()
        #expect(try harness.exec(1, "\(victim.processIdentifier) KILL") == ReactionMessage.RID_SUCCESS)
        victim.waitUntilExit()
        #expect(victim.terminationReason == .uncaughtSignal && victim.terminationStatus == SIGKILL)
        #expect(try harness.exec(1, "1") == ReactionMessage.RID_ERROR)
        #expect(try harness.exec(2, "lock root") == ReactionMessage.RID_ERROR)
        #expect(try harness.exec(2, "lock nobody") == ReactionMessage.RID_SUCCESS)
        let state = harness.stateDirectory + "/reactions.json"
        #expect(try ActiveReactions.read(path: state).map(\.key) == ["lock:nobody"])
        #expect(try harness.exec(2, "unlock nobody") == ReactionMessage.RID_SUCCESS)
        #expect(try ActiveReactions.read(path: state).isEmpty)
        #expect(try harness.exec(3, "hello world") == ReactionMessage.RID_SUCCESS)
        #expect(harness.log.contains("would run /usr/bin/logger -t mice-reaction hello world"))
        #expect(try harness.exec(3, "a;b") == ReactionMessage.RID_ERROR)
    }

    @Test("Twofish: encrypted requests run; plaintext, wrong key, replayed, stale and future ones never do")
    func authenticationAndReplay() throws {
        let harness = try ReactionDaemonHarness(
            rows: [.init(fid: 1, module: "mice-rct-log", config: "{\"syslog\": false}")],
            security: "AUTH = twofish\nPASSWORD = \"\(Self.password)\"\nREPLAY_WINDOW = 30",
            extraArguments: ["--allow-unauthenticated"])
        let cipher = try LegacyTwofish(password: Self.password)
        #expect(try harness.exec(1, "ok", cipher: cipher) == ReactionMessage.RID_SUCCESS)
        #expect(harness.executions == 1)
        // Plaintext in AUTH = twofish, and a wrong key: closed without an answer.
        #expect(try harness.exec(1, "plain") == nil)
        #expect(try harness.exec(1, "wrongkey", cipher: try LegacyTwofish(password: "another password!")) == nil)
        // A captured request sent again, on a new connection: refused.
        let message = ReactionClientConnection.exec(functionID: 1, arguments: "once", alertID: "a-1", timestamp: now())
        let first = try harness.connect(cipher: cipher)
        let captured = try first.envelope(message)
        try first.send(raw: captured)
        #expect(ReactionClientConnection.returnValue(try first.receive()) == ReactionMessage.RID_SUCCESS)
        let replay = try harness.connect(cipher: cipher)
        try replay.send(raw: captured)
        #expect(try replay.receive() == nil)
        // Timestamps out of the window, and not increasing on one connection.
        for stamp in [now() - 120, now() + 120] {
            let connection = try harness.connect(cipher: cipher)
            let old = ReactionClientConnection.exec(functionID: 1, arguments: "late", timestamp: stamp)
            #expect(try connection.request(old) == nil)
        }
        let connection = try harness.connect(cipher: cipher)
        let stamp = now()
        let one = ReactionClientConnection.exec(functionID: 1, arguments: "one", alertID: "b-1", timestamp: stamp)
        let two = ReactionClientConnection.exec(functionID: 1, arguments: "two", alertID: "b-2", timestamp: stamp)
        #expect(ReactionClientConnection.returnValue(try connection.request(one)) == ReactionMessage.RID_SUCCESS)
        #expect(try connection.request(two) == nil)
        #expect(harness.executions == 3)
        #expect(harness.log.contains("a replay of an earlier request"))
        #expect(harness.log.contains("not after"))
    }

    @Test("ARCH = i386: 20596-byte envelopes are served; an x86_64 envelope is refused")
    func i386() throws {
        let harness = try ReactionDaemonHarness(
            rows: [.init(fid: 1, module: "mice-rct-log", config: "{\"syslog\": false}")],
            security: "AUTH = plaintext\nALLOW_UNAUTHENTICATED = yes\nARCH = i386")
        let small = try ReactionClientConnection(host: harness.host, port: harness.port, architecture: .i386)
        let request = ReactionClientConnection.exec(functionID: 1, arguments: "i386", timestamp: now())
        #expect(ReactionClientConnection.returnValue(try small.request(request)) == ReactionMessage.RID_SUCCESS)
        let large = try harness.connect()
        let other = ReactionClientConnection.exec(functionID: 1, arguments: "x86", timestamp: now())
        try large.send(raw: try large.envelope(other))
        large.finishSending()
        #expect(try large.receive() == nil)
        #expect(harness.executions == 1)
    }

    @Test("an idle connection is closed after IDLE_TIMEOUT")
    func idle() throws {
        let harness = try ReactionDaemonHarness(
            rows: [.init(fid: 1, module: "mice-rct-log", config: "{\"syslog\": false}")],
            misc: "IDLE_TIMEOUT = 1")
        let connection = try harness.connect()
        let started = ContinuousClock.now
        #expect(try connection.receive() == nil)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("truncated, forged and fuzzed requests never execute anything; the daemon keeps serving")
    func hostileInput() throws {
        let harness = try ReactionDaemonHarness(rows: [
            .init(fid: 1, module: "mice-rct-log", config: "{\"syslog\": false}")
        ])
        let architecture = ReactionArchitecture.x86_64
        let valid = ReactionClientConnection.exec(functionID: 1, arguments: "valid", timestamp: now())
        let envelope = CipherMsg.plaintext(valid.encode(architecture: architecture)).encode()
        // Truncated: half a request, then the end of the stream.
        do {
            let connection = try harness.connect()
            try connection.send(raw: Array(envelope.prefix(envelope.count / 2)))
            connection.finishSending()
            #expect(try connection.receive() == nil)
        }
        // Forged: a bad checksum, a wrong CipherTextLen.
        var badChecksum = envelope
        badChecksum[24] ^= 0xFF
        var badLength = envelope
        badLength[20] = 1
        for bytes in [badChecksum, badLength] {
            let connection = try harness.connect()
            try connection.send(raw: bytes)
            #expect(try connection.receive() == nil)
        }
        // Fuzzed: random envelopes, and the valid one with random bytes flipped.
        var random = SplitMix64(seed: 0x5EAC_710D)
        for round in 0..<40 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<architecture.envelopeSize).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            } else {
                bytes = envelope
                for _ in 0..<(1 + Int(random.next() % 8)) {
                    let index = 24 + Int(random.next() % UInt64(architecture.messageSize))
                    bytes[index] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                }
            }
            let connection = try harness.connect()
            try connection.send(raw: bytes)
            _ = try connection.receive()
        }
        #expect(harness.executions == 0, "\(harness.log.suffix(2000))")
        // Still serving.
        #expect(try harness.exec(1, "after") == ReactionMessage.RID_SUCCESS)
        #expect(harness.executions == 1)
    }
}

/// Starts mice-reactiondaemon with a configuration file.
enum DaemonProcessStarter {
    static func start(config: String, scratch: Scratch, extra: [String]) throws -> DaemonProcess {
        try DaemonProcess(
            executable: TestPaths.binDirectory + "/mice-reactiondaemon",
            arguments: [
                "-f", config, "--plugins", TestPaths.pluginsRoot, "--bin-dir", TestPaths.binDirectory, "--ready-file",
                scratch.path + "/ready",
            ] + extra, readyFile: scratch.path + "/ready", logFile: scratch.path + "/daemon.log", timeout: 60)
    }
}
