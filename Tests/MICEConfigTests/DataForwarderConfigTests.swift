// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEConfig
import Testing

@Suite struct DataForwarderConfigTests {
    static let minimal = """
        [SQL_SERVER]
        SQLIP = 127.0.0.1
        [LOGFILE_LIST]
        FILE = "file: /var/log/syslog"
        """

    @Test func originalShippedFileLoads() throws {
        let config = try DataForwarderConfig.load(path: Repository.fixture("original-dataforwarder.conf"))
        #expect(config.sqlServer == .init(host: "172.16.0.10", port: 3366))
        #expect(config.analysisServer == .init(host: "172.16.0.10", port: 3367))
        #expect(config.encrypt)
        #expect(!config.pseudonymize)
        #expect(config.filter)
        #expect(config.user == "datafwd")
        #expect(config.group == "mice")
        #expect(config.chroot == "/var/datafwd/")
        #expect(config.encryptionKey == "ChangeMe :-P")
        #expect(config.randomDevice == "/dev/random")
        #expect(config.cipherModule == "twofish")
        #expect(
            config.files.map { "\($0.tag) \($0.path)" } == [
                "file: /var/log/messages", "laus: /var/log/audit", "scslog: /dev/scslog",
            ])
        #expect(config.files.map(\.tag.fileTypeFlag) == [0x01, 0x02, 0x03])
        #expect(config.files.map(\.line) == [28, 29, 30])
        #expect(config.modulePath == "/usr/lib")
        #expect(config.filterModule == "mice_mod_flt_regex")
        #expect(config.formatModule == "mice_mod_fmt_simple")
        #expect(config.pseudonymModule == "mice_mod_psd_empty")
        #expect(config.filterConfig == "/etc/M-ICE/mice_mod_flt_regex.conf")
        #expect(config.formatConfig == "/etc/M-ICE/mice_mod_fmt_simple.conf")
        #expect(config.pseudonymConfig == "/etc/M-ICE/mice_mod_psd_empty.conf")
        #expect(config.sharedMemorySize == 10240)
        #expect(config.sleepInterval == 2)
        #expect(config.reconnectWarning == 15)
        #expect(config.pidPath == "/var/run/M-ICE/")
        // Our own keys take their defaults.
        #expect(config.watchMode == .inotify)
        #expect(config.maxLineLength == 65536)
        #expect(config.startAt == .end)
        #expect(config.sqlServer?.mode == .acked && config.analysisServer?.mode == .acked)
        #expect(config.spoolDirectory == "/var/lib/M-ICE/spool")
        #expect(config.spoolMaxBytes == 256 << 20)
        #expect(config.layout == .seed)
    }

    @Test func linkModesSpoolAndLayout() throws {
        let text = """
            [SQL_SERVER]
            SQLIP = 127.0.0.1
            SQLMODE = legacy
            [ANALYSIS_SERVER]
            ASIP = ::1
            ASMODE = Acked
            [LOGFILE_LIST]
            FILE = "file: /var/log/syslog"
            [MISC]
            SPOOLDIR = /srv/spool
            SPOOLMAX = 1048576
            LAYOUT = 0.2
            """
        let config = try DataForwarderConfig.parse(text, file: "l.conf")
        #expect(config.sqlServer == .init(host: "127.0.0.1", port: 3366, mode: .legacy))
        #expect(config.analysisServer == .init(host: "::1", port: 3367, mode: .acked))
        #expect(config.spoolDirectory == "/srv/spool")
        #expect(config.spoolMaxBytes == 1_048_576)
        #expect(config.layout == .v02)
    }

    @Test(arguments: [
        ("[ANALYSIS_SERVER]\nASIP = 127.0.0.1\nASMODE = fast", "ASMODE"), ("[MISC]\nLAYOUT = 0.3", "LAYOUT"),
        ("[MISC]\nSPOOLMAX = 10", "SPOOLMAX"),
    ])
    func badLinkSettingsNameTheKey(extra: String, key: String) throws {
        let error = #expect(throws: ConfigError.self) {
            try DataForwarderConfig.parse(Self.minimal + "\n" + extra + "\n", file: "bad.conf")
        }
        #expect(error.map { "\($0)" }?.contains(key) == true)
        #expect(error.map { "\($0)" }?.contains("bad.conf") == true)
    }

    @Test func sampleConfigLoads() throws {
        let config = try DataForwarderConfig.load(path: Repository.root + "/etc/dataforwarder.conf")
        #expect(config.sqlServer?.host == "127.0.0.1")
        #expect(config.analysisServer?.host == "127.0.0.1")
        #expect(!config.encrypt)
        #expect(config.user == "nobody")
        #expect(config.formatModule == "mice-fmt-simple")
        #expect(!config.files.isEmpty)
    }

    @Test func defaultsOfAMinimalFile() throws {
        let config = try DataForwarderConfig.parse(Self.minimal, file: "m.conf")
        #expect(config.sqlServer == .init(host: "127.0.0.1", port: 3366))
        #expect(config.analysisServer == nil)
        #expect(!config.encrypt && !config.filter && !config.pseudonymize)
        #expect(config.user == "nobody" && config.group == "nogroup")
        #expect(config.sleepInterval == 1)
        #expect(config.formatModule == nil)
        #expect(config.positionFile == "/var/lib/M-ICE/dataforwarder.positions")
    }

    @Test func firewallTagIsRecognised() throws {
        let config = try DataForwarderConfig.parse(
            Self.minimal + "\nFILE = \"FIREWALL:/var/log/firewall\"\nFILE = \"scslog:\t/dev/scslog\"\n",
            file: "f.conf")
        #expect(config.files.map(\.tag) == [.file, .firewall, .scslog])
        #expect(config.files[1].tag.fileTypeFlag == 0x04)
        #expect(config.files[1].path == "/var/log/firewall")
    }

    @Test(arguments: [
        ("FILE = /var/log/x", "no type tag"),
        ("FILE = \"audit: /var/log/x\"", "unknown type tag"),
        ("FILE = \"file: var/log/x\"", "must be absolute"),
        ("FILE = \"file: /var/log/syslog\"", "listed on line 4"),
    ])
    func badFileEntriesNameTheLine(entry: String, detail: String) {
        let error = configError { _ = try DataForwarderConfig.parse(Self.minimal + "\n" + entry, file: "f.conf") }
        #expect(error?.code == .invalidValue)
        #expect(error?.line == 5)
        #expect(error?.key == "FILE")
        #expect(error?.detail.contains(detail) == true)
    }

    @Test func encryptionWithoutKeyIsAnError() {
        let error = configError {
            _ = try DataForwarderConfig.parse(Self.minimal + "\n[SECURITY_AND_PRIVACY]\nENCRYPT = y\n", file: "e.conf")
        }
        #expect(error?.code == .missingKey)
        #expect(error?.key == "ENCKEY")
        #expect(error?.line == 6)
    }

    @Test func noServerIsAnError() {
        let error = configError {
            _ = try DataForwarderConfig.parse("[LOGFILE_LIST]\nFILE = \"file: /x\"\n", file: "n.conf")
        }
        #expect(error?.code == .missingKey)
    }

    @Test(arguments: [
        ("[SQL_SERVER]\nSQLIP = h\nSQLPORT = 70000", "SQLPORT", 7),
        ("[SQL_SERVER]\nSQLIP = h\nSQLPROTO = UDP", "SQLPROTO", 7),
        ("[MISC]\nSLEEPINV = 0", "SLEEPINV", 6),
        ("[MISC]\nRECONNECT = -1", "RECONNECT", 6),
        ("[MISC]\nWATCHMODE = fanotify", "WATCHMODE", 6),
        ("[MISC]\nSTARTAT = middle", "STARTAT", 6),
        ("[MISC]\nMAXLINELEN = 10", "MAXLINELEN", 6),
        ("[SECURITY_AND_PRIVACY]\nCRYPTMOD = rijndael-128", "CRYPTMOD", 6),
        ("[SECURITY_AND_PRIVACY]\nUSER = \"\"", "USER", 6),
    ])
    func outOfRangeValuesNameTheLine(section: String, key: String, line: Int) {
        let text = "[ANALYSIS_SERVER]\nASIP = 127.0.0.1\n[LOGFILE_LIST]\nFILE = \"file: /x\"\n" + section + "\n"
        let error = configError { _ = try DataForwarderConfig.parse(text, file: "r.conf") }
        #expect(error?.code == .invalidValue)
        #expect(error?.key == key)
        #expect(error?.line == line)
        #expect(error?.description.hasPrefix("r.conf:\(line): [") == true)
    }

    @Test func wrongSectionNamesTheHomeSection() {
        let error = configError {
            _ = try DataForwarderConfig.parse(Self.minimal + "\nSLEEPINV = 3\n", file: "w.conf")
        }
        #expect(error?.code == .misplacedKey)
        #expect(error?.line == 5)
        #expect(
            error?.description
                == "w.conf:5: [LOGFILE_LIST] key \"SLEEPINV\": key in the wrong section: SLEEPINV belongs in section [MISC], not [LOGFILE_LIST]"
        )
    }

    @Test func logFileTagsMatchTheOriginalFlags() {
        #expect(LogFileTag.allCases.map(\.fileTypeFlag) == [1, 2, 3, 4])
        #expect(LogFileTag.firewall.description == "firewall:")
    }
}
