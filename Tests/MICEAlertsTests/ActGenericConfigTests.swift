// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICECore
import MICEDaemon
import MICEPluginManifest
import MICERecords
import MICETestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("act-generic configuration, mapping and FIFOs")
struct ActGenericConfigTests {
    @Test("the original act_generic conf and match file load through the plugin's legacy map and map as shipped")
    func originalFiles() throws {
        let scratch = try Scratch("conf")
        defer { scratch.remove() }
        let conf = try originalActGenericConf(scratch, pipes: scratch.folder("fifos"))
        let resolver = try ModuleResolver(pluginsRoot: TestPaths.pluginsRoot, logger: quietLogger)
        let module = try resolver.resolve(name: "mice_mod_pop_act_generic", kind: .postprocessing, configFile: conf)
        #expect(module.manifest.name == "mice-pop-act-generic")
        let config = module.configuration
        func strings(_ key: String) -> [String] { config[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        #expect(strings("reactionIDs") == ["1", "2", "3", "4"])
        let settings = try ActGenericSettings(
            reactionIDs: strings("reactionIDs"), pipes: strings("pipes"), analyzerIDs: strings("analyzers"),
            matchFiles: strings("matchFiles"), pipePath: config["pipePath"]?.stringValue,
            matchPath: config["matchPath"]?.stringValue)
        let names = ["rid_1_write_to_syslog", "rid_2_send_to_alert_db", "rid_3_save_to_file", "rid_4_countermeasure"]
        #expect(settings.fifos.map(\.path) == names.map { scratch.path + "/fifos/" + $0 })
        #expect(settings.fifos.map(\.reactionID) == [1, 2, 3, 4])
        func rids(_ id: String, analyzer: String = "MICE-RegEx") -> [Int] {
            settings.map.reactions(for: IdmefAlert(analyzerID: analyzer, classifications: [id])).map(\.reactionID)
        }
        #expect(rids("0x1020") == [1, 2, 3])
        #expect(rids("0x1020".uppercased()) == [1, 2, 3])
        #expect(rids("0x6010") == [1, 2, 3, 4])
        #expect(rids("0x7010") == [1, 2, 3, 4])
        #expect(rids("0x8010") == [2])
        #expect(rids("0x9999") == [])
        #expect(rids("0x1020", analyzer: "someone-else") == [])
        let reaction = settings.map.reactions(for: IdmefAlert(analyzerID: "MICE-RegEx", classifications: ["0x7010"]))
        #expect(reaction.first?.description == "Exploit Signature detected")
    }

    @Test("match files: bad keys and unparallel lists are errors naming the file")
    func badMatchFile() {
        #expect(throws: AlertConfigError.self) {
            try MatchFile.parse(
                "[ALERT_ID]\nAID = 1\n[ALERT_ID_DESCRIPTION]\nAID_DESC = a\n[RID_11]\nAID_11 = 1\n", file: "m")
        }
        #expect(throws: AlertConfigError.self) {
            try MatchFile.parse("[ALERT_ID]\nAID = 1\nAID = 2\n[ALERT_ID_DESCRIPTION]\nAID_DESC = a\n", file: "m")
        }
        let file = try? MatchFile.parse(
            "[ALERT_ID]\nAID = 0x1\n[ALERT_ID_DESCRIPTION]\nAID_DESC = one\n[RID_6]\nAID_6 = 0x1\nAID_6 = 0x2\n"
                + "[RID_7]\nAID_7 = 0X1\n", file: "m")
        #expect(file?.reactions[6] == ["0x1"])
        #expect(file?.reactions[7] == ["0x1"])
        #expect(file?.ignored.count == 1)
    }

    @Test("FIFOs are created 0600 for the module's user; a non-FIFO at the path is refused")
    func fifoCreation() throws {
        let scratch = try Scratch("fifo")
        defer { scratch.remove() }
        let path = scratch.path + "/rid"
        try ReactionFifo.prepare(path: path)
        var info = stat()
        #expect(lstat(path, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFIFO)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(info.st_uid == geteuid())
        chmod(path, 0o666)
        try ReactionFifo.prepare(path: path)
        #expect(lstat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let plain = try scratch.write("plain", "x")
        #expect(throws: AlertConfigError.self) { try ReactionFifo.prepare(path: plain) }
    }

    @Test("the FIFO writer never blocks: an absent reader costs counted drops, a late reader gets the newest")
    func absentReader() throws {
        let scratch = try Scratch("writer")
        defer { scratch.remove() }
        let path = scratch.path + "/rid_9"
        try ReactionFifo.prepare(path: path)
        let writer = FifoWriter(fifos: [(9, path)], queueLimit: 5, onDrop: { _ in })
        let start = ContinuousClock.now
        for index in 0..<100 {
            let record = RIDMsgFormat(alertID: Array("id-\(index)".utf8), reactionID: 9).encode()
            #expect(writer.enqueue(record, reactionID: 9))
        }
        #expect(!writer.enqueue([1], reactionID: 3))
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(writer.statistics.first?.dropped == 95)
        let reader = try RIDFifoReaderProbe(path: path)
        defer { reader.stop() }
        let deadline = ContinuousClock.now + .seconds(10)
        while reader.ids.count < 5 && ContinuousClock.now < deadline { usleep(10_000) }
        #expect(reader.ids == (95..<100).map { "id-\($0)" })
        writer.stop()
        #expect(writer.statistics.first?.written == 5)
    }
}

/// Collects the alert IDs an RIDFifoReader delivers.
final class RIDFifoReaderProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []
    private var reader: RIDFifoReader?

    init(path: String) throws {
        reader = try RIDFifoReader(path: path) { [weak self] record in
            guard let self else { return }
            lock.withLock { collected.append(String(decoding: record.alertID, as: UTF8.self)) }
        }
    }

    var ids: [String] { lock.withLock { collected } }

    func stop() { reader?.stop() }
}
