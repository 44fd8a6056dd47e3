// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICENFR
import Testing

@Suite struct NFRConfigFileTests {
    static let seedBackend = """
        enabled=true
        title=Title

        gui=list
        # implicit zero-eth column is time
        num_columns=6
        column_1_type=p_src_ip
        column_2_type=p_src_port
        column_3_type=p_dst_ip
        column_4_type=p_dst_port
        column_5_type=p_string
        column_6_type=p_string

        column_1_label=Source Addr
        column_2_label=Source Port
        column_3_label=Dest Addr
        column_4_label=Dest Port
        column_5_label=Protocol
        column_6_label=TCP Flags

        rollover_size=YES
        rollover_size_val=1024000
        rollover_time=YES
        rollover_time_val=300000
        archive_path=data/%p/%b/%y/%m%d/
        cfversion=1
        """

    @Test func seedBackendConfigGivesColumnsAndRollover() throws {
        let config = try NFRConfigFile(path: "new_badhosts.cfg", text: Self.seedBackend)
        #expect(try config.isEnabled())
        #expect(config.title == "Title")
        #expect(config["gui"] == "list")
        let settings = try RecorderSettings(config: config)
        #expect(
            settings.columns.map(\.type) == [
                "p_src_ip", "p_src_port", "p_dst_ip", "p_dst_port", "p_string", "p_string",
            ])
        #expect(settings.columns.map(\.label).last == "TCP Flags")
        #expect(settings.rolloverBytes == 1_024_000)
        #expect(settings.rolloverMilliseconds == 300_000)
        #expect(settings.formatVersion == 1)
        // 1998-04-30 16:45:59 UTC.
        #expect(
            settings.archiveFolder(home: "/h", package: "id", backend: "new_badhosts", time: 893_954_759)
                == "/h/data/id/new_badhosts/1998/0430/")
        #expect(settings.archiveRoot(home: "/h", package: "id", backend: "new_badhosts") == "/h/data/id/new_badhosts/")
    }

    @Test func enabledSpellingsUnknownKeysAndRepeats() throws {
        let config = try NFRConfigFile(path: "p.cfg", text: "enabled=0\nfoo = bar baz \n\n# x=y\nfoo=\"quoted\"\n")
        #expect(try !config.isEnabled())
        #expect(config["foo"] == "quoted")
        #expect(config.entries.map(\.key) == ["enabled", "foo"])
        #expect(config["x"] == nil)
        #expect(try NFRConfigFile(path: "p.cfg", text: "title=T\n").isEnabled())
        #expect(try NFRConfigFile(path: "p.cfg", text: "enabled=false\n").isEnabled() == false)
    }

    @Test func badLinesNameFileAndLine() {
        #expect(throws: NFRError(.syntax, file: "b.cfg", line: 2, "expected key=value, found \"oops\"")) {
            try NFRConfigFile(path: "b.cfg", text: "enabled=true\noops\n")
        }
        let config = try? NFRConfigFile(path: "b.cfg", text: "enabled=maybe\n")
        #expect(throws: NFRError.self) { try config?.isEnabled() }
        #expect(throws: NFRError.self) {
            try RecorderSettings(config: NFRConfigFile(path: "c.cfg", text: "num_columns=2\ncolumn_1_type=p_int\n"))
        }
        #expect(throws: NFRError.self) {
            try RecorderSettings(config: NFRConfigFile(path: "c.cfg", text: "rollover_size=YES\n"))
        }
    }
}
