// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICECore
import MICEDaemon
import MICEPluginManifest
import MICETestSupport
import Testing

@Suite("ModuleResolver: original module names and module files")
struct ModuleResolverTests {
    let resolver: ModuleResolver
    let folder: URL

    init() throws {
        resolver = try ModuleResolver(pluginsRoot: TestPaths.pluginsRoot, logger: Logger(label: "test"))
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("resolver-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("every original module name of the shipped configs resolves to its plugin")
    func originalNames() throws {
        let expected: [(String, PluginKind, String)] = [
            ("mice_mod_fmt_simple", .format, "mice-fmt-simple"),
            ("mice_mod_fmt_enhanced", .format, "mice-fmt-enhanced"),
            ("mice_mod_flt_regex", .filter, "mice-flt-regex"),
            ("mice_mod_psd_empty", .pseudonymizer, "mice-psd-empty"),
            ("mice_mod_psd_symmetric", .pseudonymizer, "mice-psd-keyed"),
            ("mice_mod_dec_logformat_twofish", .decoding, "mice-dec-logformat"),
            ("mice_mod_dec_idmef_twofish", .decoding, "mice-dec-idmef"),
            ("mice_mod_pop_mysql", .postprocessing, "mice-pop-rawlog"),
            ("mice-flt-regex", .filter, "mice-flt-regex"),
        ]
        for (name, kind, plugin) in expected {
            let module = try resolver.resolve(name: name, kind: kind, configFile: nil)
            #expect(module.manifest.name == plugin)
            #expect(module.configuration.isEmpty)
        }
    }

    @Test("an original module file is translated: repeated RULE keys become the rules array")
    func legacyFilterFile() throws {
        let path = try write(
            "mice_mod_flt_regex.conf",
            """
            # shipped example
            [FILTER_RULES]
            RULE = ".*pwc.*frame.*"
            RULE = ".*IPUP:.*"
            RULE = ".*DNSENTRY:.*"
            """)
        let module = try resolver.resolve(name: "mice_mod_flt_regex", kind: .filter, configFile: path)
        #expect(
            module.configuration["rules"]
                == .array([.string(".*pwc.*frame.*"), .string(".*IPUP:.*"), .string(".*DNSENTRY:.*")]))
    }

    @Test("keys the original ignored are accepted; a key the module does not know names file, line and key")
    func legacyDecoderFile() throws {
        let good = try write(
            "dec.conf", "[CRYPTO_INFO]\nENCKEY = \"ChangeMe :-P\"\nCRYPTMOD = twofish\nDEVRANDOM = /dev/urandom\n")
        let module = try resolver.resolve(name: "mice_mod_dec_logformat_twofish", kind: .decoding, configFile: good)
        #expect(module.configuration == ["key": .string("ChangeMe :-P")])

        let bad = try write("bad.conf", "[CRYPTO_INFO]\nENCKEY = abcdef\nCIPHER = aes\n")
        let error = try #require(
            throws: DaemonError.self,
            performing: { try resolver.resolve(name: "mice-dec-logformat", kind: .decoding, configFile: bad) })
        #expect(error.code == .moduleConfig)
        #expect(error.message.contains("bad.conf:3"))
        #expect(error.message.contains("CIPHER"))
    }

    @Test("integers convert; a non-number is an error naming the line")
    func conversion() throws {
        let good = try write("pop.conf", "[MYSQL_SERVER]\nHOSTNAME = 127.0.0.1\nPORT = 5433\nMAXERR = 10\n")
        let module = try resolver.resolve(name: "mice_mod_pop_mysql", kind: .postprocessing, configFile: good)
        #expect(module.configuration == ["host": .string("127.0.0.1"), "port": .int(5433)])
        let bad = try write("pop-bad.conf", "[MYSQL_SERVER]\nPORT = fivethousand\n")
        let error = try #require(
            throws: DaemonError.self,
            performing: { try resolver.resolve(name: "mice_mod_pop_mysql", kind: .postprocessing, configFile: bad) })
        #expect(error.message.contains("pop-bad.conf:2"))
        #expect(error.message.contains("an integer"))
    }

    @Test("JSON module files; wrong kind and unknown modules are clear errors")
    func jsonAndErrors() throws {
        let json = try write("regex.json", #"{"rules": ["^x"], "anchored": false}"#)
        let module = try resolver.resolve(name: "mice-flt-regex", kind: .filter, configFile: json)
        #expect(module.configuration["anchored"] == .bool(false))

        let wrongType = try write("regex-bad.json", #"{"anchored": "maybe"}"#)
        #expect(throws: DaemonError.self) {
            try resolver.resolve(name: "mice-flt-regex", kind: .filter, configFile: wrongType)
        }
        let wrongKind = try #require(
            throws: DaemonError.self,
            performing: { try resolver.resolve(name: "mice-flt-regex", kind: .decoding, configFile: nil) })
        #expect(wrongKind.code == .wrongKind)
        let unknown = try #require(
            throws: DaemonError.self,
            performing: { try resolver.resolve(name: "mice_mod_nonexistent", kind: .filter, configFile: nil) })
        #expect(unknown.code == .unknownModule)
        #expect(unknown.message.contains("mice-flt-regex"))
    }

    @Test("ready files are replaced whole")
    func readyFile() throws {
        let path = folder.appendingPathComponent("ready.json").path
        try ReadyFile.write(path: path, contents: .object(["pid": .int(42), "port": .int(3366)]))
        try ReadyFile.write(path: path, contents: .object(["pid": .int(43)]))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == "{\"pid\":43}\n")
        #expect(throws: DaemonError.self) {
            try ReadyFile.write(path: "/nonexistent-dir/ready.json", contents: .null)
        }
    }
}
