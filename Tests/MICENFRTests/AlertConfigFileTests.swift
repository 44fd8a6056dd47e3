// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICENFR
import Testing

@Suite struct AlertConfigFileTests {
    static let seedACF = """
        acfhdr {
        	version = 1;
        	fixed = TRUE;
        }

        alert_source BAD_HOST_BACKEND {
        	shortname = NEW_BAD_HOST_BACKEND;
        	longname = "Bad Host Backend";
        }

        alert NEW_BAD_HOST {
        	rules = networklist popup;
        	severity = SEV_ATTACK;
        	format = "$(1) attempted to contact $(2): $(3)";
        }
        """

    @Test func seedFileParsesAndResolvesTheSeedsNames() throws {
        let file = try AlertConfigFile(path: "new_badhosts.acf", text: Self.seedACF)
        let source = try #require(file.source(named: "BAD_HOST_BACKEND"))
        #expect(source.shortname == "NEW_BAD_HOST_BACKEND")
        #expect(source.longname == "Bad Host Backend")
        #expect(file.source(named: "NEW_BAD_HOST_BACKEND")?.name == "BAD_HOST_BACKEND")
        // The seed calls alert(_:BAD_HOST_BACKEND, _:BAD_HOST, ...) but defines NEW_BAD_HOST.
        let alert = try #require(file.alert(named: "BAD_HOST"))
        #expect(alert.name == "NEW_BAD_HOST")
        #expect(file.alert(named: "NEW_BAD_HOST") == alert)
        #expect(alert.rules == ["networklist", "popup"])
        #expect(alert.severity == .attack)
        #expect(
            alert.message(arguments: ["208.239.113.163", "10.0.0.255", "ICMP  "])
                == "208.239.113.163 attempted to contact 10.0.0.255: ICMP  ")
    }

    @Test func formatSubstitution() {
        #expect(
            AlertDefinition.substitute("$(1): not implemented in $(2)", arguments: ["x", "y"])
                == "x: not implemented in y")
        #expect(AlertDefinition.substitute("$(1)-$(3)-$(2)", arguments: ["a"]) == "a--")
        #expect(AlertDefinition.substitute("cost $$5 $x $(", arguments: []) == "cost $5 $x $(")
        #expect(AlertDefinition.substitute("$(10)", arguments: Array(repeating: "z", count: 10)) == "z")
    }

    @Test func mailRuleExtension() throws {
        let text =
            Self.seedACF.replacingOccurrences(of: "networklist popup", with: "networklist Email_Me")
            + "\nrule Email_Me { type = mail; to = \"ops@example.org, sec@example.org\"; latency = 15; batch = 3; }\n"
        let file = try AlertConfigFile(path: "m.acf", text: text)
        let rule = try #require(file.mailRules["Email_Me"])
        #expect(rule.recipients == ["ops@example.org", "sec@example.org"])
        #expect(rule.latencySeconds == 15)
        #expect(rule.batch == 3)
    }

    @Test func errorsNameTheLine() {
        func failure(_ text: String) -> NFRError? {
            do {
                _ = try AlertConfigFile(path: "x.acf", text: text)
                return nil
            } catch { return error }
        }
        #expect(failure("alert A { format = \"x\"; }")?.code == .missingKey)
        #expect(failure("acfhdr { version = 2; fixed = TRUE; }")?.code == .invalidValue)
        #expect(failure("acfhdr { version = 1; }")?.code == .missingKey)
        #expect(
            failure("acfhdr { version = 1; fixed = TRUE; }\nacfhdr { version = 1; fixed = TRUE; }")?.code == .duplicate)
        let unknownKey = failure("acfhdr { version = 1; fixed = TRUE; }\nalert A {\n  colour = red;\n format=\"\"; }")
        #expect(unknownKey?.code == .unknownName)
        #expect(unknownKey?.line == 3)
        #expect(
            failure("acfhdr { version = 1; fixed = TRUE; }\nalert A { severity = SEV_BAD; format=\"\"; }")?.code
                == .invalidValue)
        #expect(
            failure("acfhdr { version = 1; fixed = TRUE; }\nalert A { rules = nowhere; format=\"\"; }")?.code
                == .unknownName)
        #expect(failure("acfhdr { version = 1; fixed = TRUE; }\nalert A { format = \"never closed; }")?.code == .syntax)
        #expect(failure("acfhdr { version = 1; fixed = TRUE }")?.code == .syntax)
        #expect(failure("acfhdr { version = 1; fixed = TRUE; }\nwidget W { }")?.code == .unknownName)
    }
}
