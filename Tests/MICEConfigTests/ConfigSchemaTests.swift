// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEConfig
import Testing

@Suite struct ConfigSchemaTests {
    func validate(_ text: String) throws(ConfigError) -> ConfigValues {
        try testSchema.validate(ConfigDocument.parse(text, file: "s.conf"))
    }

    @Test func typedValuesDefaultsAndCaseInsensitiveNames() throws {
        let values = try validate(
            """
            [main]
            Name = first
            name = second
            count = -42
            big = 9000000000
            flag = YES
            ITEM = a
            ITEM = {
              b
              c
            }
            item = d
            [OTHER]
            port = 0010
            """)
        #expect(values.string("NAME", in: "MAIN") == "second")
        #expect(values.int("count", in: "main") == -42)
        #expect(values.int("BIG", in: "MAIN") == 9_000_000_000)
        #expect(values.bool("FLAG", in: "MAIN"))
        #expect(values.list("ITEM", in: "MAIN").map(\.text) == ["a", "b", "c", "d"])
        #expect(values.list("ITEM", in: "MAIN").map(\.line) == [7, 9, 10, 12])
        #expect(values.int("PORT", in: "OTHER") == 10)
        #expect(values.line(of: "NAME", in: "MAIN") == 3)
        #expect(values.isSet("COUNT", in: "MAIN"))
    }

    @Test func unsetBooleansAreFalseAndDefaultsApply() throws {
        let values = try validate("[MAIN]\nNAME = x\n")
        #expect(values.bool("FLAG", in: "MAIN") == false)
        #expect(values.int("COUNT", in: "MAIN") == 7)
        #expect(!values.isSet("COUNT", in: "MAIN"))
        #expect(values.int("BIG", in: "MAIN") == nil)
        #expect(values.list("ITEM", in: "MAIN").isEmpty)
    }

    @Test(arguments: [
        ("TRUE", true), ("yes", true), ("T", true), ("y", true), ("1", true),
        ("false", false), ("No", false), ("f", false), ("N", false), ("0", false),
    ])
    func booleanWords(word: String, expected: Bool) throws {
        let values = try validate("[MAIN]\nNAME = x\nFLAG = \(word)\n")
        #expect(values.bool("FLAG", in: "MAIN") == expected)
    }

    @Test func unknownKeyNamesFileLineAndKey() {
        let error = configError { _ = try validate("[MAIN]\nNAME = x\n\nCOLOUR = red\n") }
        #expect(error?.code == .unknownKey)
        #expect(error?.line == 4)
        #expect(error?.key == "COLOUR")
        #expect(error?.description.hasPrefix("s.conf:4: [MAIN] key \"COLOUR\":") == true)
    }

    @Test func unknownSectionNamesFileAndLine() {
        let error = configError { _ = try validate("[MAIN]\nNAME = x\n[EXTRA]\n") }
        #expect(error?.code == .unknownSection)
        #expect(error?.line == 3)
        #expect(error?.section == "EXTRA")
        #expect(error?.detail.contains("[MAIN], [OTHER]") == true)
    }

    @Test func keyInTheWrongSectionNamesWhereItBelongs() {
        let error = configError { _ = try validate("[MAIN]\nNAME = x\nPORT = 3\n") }
        #expect(error?.code == .misplacedKey)
        #expect(error?.line == 3)
        #expect(error?.key == "PORT")
        #expect(error?.detail.contains("belongs in section [OTHER]") == true)
    }

    @Test(arguments: [
        ("COUNT = 12abc", 3, "COUNT"),
        ("COUNT = 0x10", 3, "COUNT"),
        ("COUNT = 2147483648", 3, "COUNT"),
        ("COUNT = \"\"", 3, "COUNT"),
        ("BIG = 99999999999999999999", 3, "BIG"),
        ("FLAG = maybe", 3, "FLAG"),
        ("NAME = {\n a\n}", 3, "NAME"),
    ])
    func wrongTypesNameTheLineAndKey(assignment: String, line: Int, key: String) {
        let error = configError { _ = try validate("[MAIN]\nNAME = x\n\(assignment)\n") }
        #expect(error?.code == .wrongType)
        #expect(error?.line == line)
        #expect(error?.key == key)
        #expect(error?.description.contains("s.conf:\(line):") == true)
    }

    @Test func intAcceptsTheWholeThirtyTwoBitRange() throws {
        let values = try validate("[MAIN]\nNAME = x\nCOUNT = -2147483648\n")
        #expect(values.int("COUNT", in: "MAIN") == -2_147_483_648)
    }

    @Test func requiredKeyMissing() {
        let error = configError { _ = try validate("[MAIN]\nCOUNT = 1\n") }
        #expect(error?.code == .missingKey)
        #expect(error?.key == "NAME")
        #expect(error?.line == 1)
        let noSection = configError { _ = try validate("[OTHER]\nPORT = 1\n") }
        #expect(noSection?.code == .missingKey)
        #expect(noSection?.line == nil)
    }
}
