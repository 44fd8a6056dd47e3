// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEConfig
import Testing

@Suite struct BufferDaemonConfigTests {
    static func text(bind: String = "127.0.0.1", port: String = "3366", interval: String = "2", extra: String = "")
        -> String
    {
        """
        [ADDRESS]
        BINDTO = \(bind)
        [PORT_NUMBER]
        PORT = \(port)
        [DECODING_MODULES]
        DEC_MOD = mice-dec-logformat
        [DECODING_MODULES_CONFIG_FILE]
        DEC_FILE = ""
        [POSTPROC_MODULES]
        POP_MOD = mice-pop-syslog
        [POSTPROC_MODULES_CONFIG_FILE]
        POP_FILE = /etc/M-ICE/pop.conf
        [TIME_INTERVALS]
        TIMEINV = \(interval)
        \(extra)
        """
    }

    @Test(arguments: [("rawlogdb", 3366, "mice_mod_pop_mysql"), ("aa", 3367, "mice_mod_pop_aa_regex")])
    func originalShippedInstancesLoad(name: String, port: Int, postprocessor: String) throws {
        let config = try BufferDaemonConfig.load(path: Repository.fixture("original-bufferdaemon-\(name).conf"))
        #expect(config.entries.count == 1)
        let entry = try #require(config.entries.first)
        #expect(entry.listen == .tcp(host: "0.0.0.0", port: port))
        #expect(entry.decoder.name == "mice_mod_dec_logformat_twofish")
        #expect(entry.decoder.configFile == "/etc/M-ICE/mice_mod_dec_logformat_twofish.conf")
        #expect(entry.postprocessor.name == postprocessor)
        #expect(entry.timerInterval == 2)
        #expect(config.ringBufferSize == 100)
        #expect(config.backlog == 16)
        #expect(config.cachePath == "/var/M-ICE/cache.bufferdaemon")
        #expect(config.cacheSize == 0)
        #expect(config.user == "datafwd")
        #expect(!config.pseudonymize)
    }

    @Test func originalManagementHostLoads() throws {
        let config = try BufferDaemonConfig.load(path: Repository.fixture("original-bufferdaemon-mngmthost.conf"))
        #expect(config.entries.map(\.listen) == [.tcp(host: "0.0.0.0", port: 4455)])
        #expect(config.entries[0].decoder.name == "mice_mod_dec_idmef_twofish")
        #expect(config.entries[0].postprocessor.name == "mice_mod_pop_act_generic")
        #expect(config.pidPath == "/var/run/M-ICE/mngmthost/")
    }

    @Test func originalCombinedFileLoadsThreeEntries() throws {
        let config = try BufferDaemonConfig.load(path: Repository.fixture("original-bufferdaemon-combined.conf"))
        #expect(config.entries.map(\.listen.description) == ["0.0.0.0:3366", "0.0.0.0:3367", "0.0.0.0:4455"])
        #expect(
            config.entries.map(\.postprocessor.name) == [
                "mice_mod_pop_mysql", "mice_mod_pop_aa_regex", "mice_mod_pop_act_generic",
            ])
        #expect(config.entries.map(\.line) == [7, 8, 9])
        #expect(config.ringBufferSize == 10)
    }

    @Test func sampleConfigLoads() throws {
        let config = try BufferDaemonConfig.load(path: Repository.root + "/etc/bufferdaemon.conf")
        #expect(
            config.entries.map(\.listen) == [
                .tcp(host: "127.0.0.1", port: 3366), .unix(path: "/var/run/M-ICE/rawlog.sock"),
            ])
        #expect(
            config.entries.map(\.decoder)
                == Array(repeating: .init(name: "mice-dec-logformat", configFile: nil), count: 2))
        #expect(config.entries.map(\.timerInterval) == [1, 1])
        #expect(config.entries.map(\.postprocessor.name) == ["mice-pop-rawlog", "mice-pop-syslog"])
        #expect(config.entries.map(\.linkMode) == [.acked, .acked])
        #expect(config.user == "nobody")
        #expect(config.layout == "seed")
        #expect(config.stateDirectory == "/var/lib/M-ICE/bufferdaemon")
    }

    @Test func originalFilesGetTheDefaultsOfTheNewKeys() throws {
        for name in ["aa", "combined", "mngmthost", "rawlogdb"] {
            let config = try BufferDaemonConfig.load(path: Repository.fixture("original-bufferdaemon-\(name).conf"))
            #expect(
                config.entries.allSatisfy { $0.linkMode == .acked && $0.overflow == .block && $0.batchSize == 1000 })
            #expect(config.layout == "seed")
            #expect(config.stateDirectory == "/var/lib/M-ICE/bufferdaemon")
        }
    }

    @Test func perEntryLinkOverloadAndBatchLists() throws {
        let text = Self.text(
            extra: "[LINK]\nLINKMODE = legacy\n[OVERLOAD]\nOVERFLOW = drop-oldest\n[BATCHES]\nBATCHSIZE = 50\n"
                + "[MISC]\nLAYOUT = 0.2\nSTATEDIR = /srv/bd")
        let config = try BufferDaemonConfig.parse(text, file: "n.conf")
        #expect(config.entries[0].linkMode == .legacy)
        #expect(config.entries[0].overflow == .dropOldest)
        #expect(config.entries[0].batchSize == 50)
        #expect(config.layout == "0.2")
        #expect(config.stateDirectory == "/srv/bd")
    }

    @Test func portZeroPicksAFreePortAndMayRepeat() throws {
        let config = try BufferDaemonConfig.parse(Self.text(port: "0"), file: "z.conf")
        #expect(config.entries[0].listen == .tcp(host: "127.0.0.1", port: 0))
    }

    @Test(arguments: [
        ("[LINK]\nLINKMODE = fast", "LINKMODE", ConfigError.Code.invalidValue),
        ("[OVERLOAD]\nOVERFLOW = overwrite", "OVERFLOW", .invalidValue),
        ("[BATCHES]\nBATCHSIZE = 0", "BATCHSIZE", .invalidValue),
        ("[BATCHES]\nBATCHSIZE = {\n 1\n 2\n}", "BATCHSIZE", .listLengthMismatch),
        ("[MISC]\nLAYOUT = 0.3", "LAYOUT", .invalidValue),
    ])
    func badNewKeysNameTheirLine(extra: String, key: String, code: ConfigError.Code) {
        let error = configError { _ = try BufferDaemonConfig.parse(Self.text(extra: extra), file: "k.conf") }
        #expect(error?.code == code)
        #expect(error?.key == key)
        #expect(error?.line == 16)
    }

    @Test func unixSocketEntryIgnoresItsPort() throws {
        let config = try BufferDaemonConfig.parse(Self.text(bind: "/run/x.sock", port: "whatever"), file: "u.conf")
        #expect(config.entries[0].listen == .unix(path: "/run/x.sock"))
        #expect(config.entries[0].decoder.configFile == nil)
        #expect(config.entries[0].postprocessor.configFile == "/etc/M-ICE/pop.conf")
        #expect(config.ringBufferSize == 100)
        #expect(config.backlog == 16)
    }

    @Test func parallelListsOfDifferentLengthAreAnError() {
        let error = configError {
            _ = try BufferDaemonConfig.parse(Self.text(port: "{\n 3366\n 3367\n}"), file: "p.conf")
        }
        #expect(error?.code == .listLengthMismatch)
        #expect(error?.key == "PORT")
        #expect(error?.line == 4)
        #expect(error?.detail.contains("BINDTO 1, PORT 2, DEC_MOD 1") == true)
    }

    @Test(arguments: [
        (text(port: "99999"), "PORT", 4),
        (text(port: "http"), "PORT", 4),
        (text(interval: "-1"), "TIMEINV", 14),
        (text(interval: "soon"), "TIMEINV", 14),
        (text(bind: "\"\""), "BINDTO", 2),
        (text(extra: "[CACHE_AND_RINGBUFFER]\nRBSIZE = 0"), "RBSIZE", 16),
        (text(extra: "[MISC]\nBACKLOG = 0"), "BACKLOG", 16),
    ])
    func badItemsNameTheirLine(text: String, key: String, line: Int) {
        let error = configError { _ = try BufferDaemonConfig.parse(text, file: "b.conf") }
        #expect(error?.code == .invalidValue)
        #expect(error?.key == key)
        #expect(error?.line == line)
    }

    @Test func twoEntriesOnOneAddressAreAnError() {
        let text = Self.text(bind: "{\n a\n a\n}", port: "{\n 1\n 1\n}", interval: "{\n 1\n 1\n}")
            .replacing("DEC_MOD = mice-dec-logformat", with: "DEC_MOD = {\n d\n d\n}")
            .replacing("DEC_FILE = \"\"", with: "DEC_FILE = {\n \"\"\n \"\"\n}")
            .replacing("POP_MOD = mice-pop-syslog", with: "POP_MOD = {\n p\n p\n}")
            .replacing("POP_FILE = /etc/M-ICE/pop.conf", with: "POP_FILE = {\n \"\"\n \"\"\n}")
        let error = configError { _ = try BufferDaemonConfig.parse(text, file: "d.conf") }
        #expect(error?.code == .invalidValue)
        #expect(error?.key == "BINDTO")
        #expect(error?.line == 4)
        #expect(error?.detail.contains("line 3") == true)
    }

    @Test func missingListIsAnError() {
        let error = configError {
            _ = try BufferDaemonConfig.parse("[ADDRESS]\nBINDTO = 127.0.0.1\n", file: "m.conf")
        }
        #expect(error?.code == .missingKey)
    }
}
