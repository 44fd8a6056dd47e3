// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import Testing

@Suite("IDMEF parser")
struct IdmefParserTests {
    @Test("reads the original libidmef element form")
    func original() {
        let result = IdmefParser.parse(Array(originalIdmef(ident: 7, classification: "0x7010").utf8))
        #expect(result.status == .parsed)
        let alert = try! #require(result.alerts.first)
        #expect(alert.ident == "7")
        #expect(alert.analyzerID == "MICE-RegEx")
        #expect(alert.classifications == ["0x7010"])
        #expect(alert.source.address == "192.0.2.7")
        #expect(alert.source.user == "UNKNOWN")
        #expect(alert.target.process == "sshd")
        #expect(alert.target.service == "ssh")
        #expect(alert.createTime == "2004-09-05T18:55:00.00Z")
    }

    @Test("reads RFC 4765 attributes and namespaces")
    func rfc() {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <idmef:IDMEF-Message xmlns:idmef="http://iana.org/idmef" version="1.0">
              <idmef:Alert messageid="abc123">
                <idmef:Analyzer analyzerid="suricata"/>
                <idmef:Source><idmef:Node><idmef:Address category="ipv4-addr"><idmef:address>203.0.113.5</idmef:address></idmef:Address></idmef:Node></idmef:Source>
                <idmef:Classification text="ET SCAN Nmap"/>
              </idmef:Alert>
              <idmef:Alert messageid="second"><idmef:Classification text="two"/></idmef:Alert>
            </idmef:IDMEF-Message>
            """
        let result = IdmefParser.parse(Array(xml.utf8))
        #expect(result.status == .parsed)
        #expect(result.alerts.count == 2)
        #expect(result.alerts[0].ident == "abc123")
        #expect(result.alerts[0].analyzerID == "suricata")
        #expect(result.alerts[0].source.address == "203.0.113.5")
        #expect(result.alerts[0].classifications == ["ET SCAN Nmap"])
        #expect(result.alerts[1].classifications == ["two"])
    }

    @Test("broken XML is recovered where possible, else counted as unparsable; nothing traps")
    func broken() {
        let truncated = String(originalIdmef().prefix(900))
        let recovered = IdmefParser.parse(Array(truncated.utf8))
        #expect(recovered.status == .recovered)
        #expect(recovered.alerts.first?.analyzerID == "MICE-RegEx")
        for garbage in ["", "not xml at all", "<", "<a><b></a>", "<IDMEF-Message>", "\u{FFFD}\u{0}<<<>>>"] {
            #expect(IdmefParser.parse(Array(garbage.utf8)).status == .unparsable, "\(garbage)")
        }
        var random = [UInt8](repeating: 0, count: 10240)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            for index in random.indices { random[index] = UInt8.random(in: 1...255, using: &generator) }
            #expect(IdmefParser.parse(random).status == .unparsable)
        }
    }

    @Test("entities are never expanded and never loaded (billion laughs, XXE)")
    func entities() throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("mice-xxe-\(UUID().uuidString)")
        try "TOPSECRET".write(to: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: secret) }
        var laughs = "<!ENTITY l0 \"lol\">"
        for level in 1...10 {
            laughs += "<!ENTITY l\(level) \"" + String(repeating: "&l\(level - 1);", count: 10) + "\">"
        }
        let bomb = """
            <?xml version="1.0"?><!DOCTYPE IDMEF-Message [\(laughs)
            <!ENTITY xxe SYSTEM "file://\(secret.path)"><!ENTITY net SYSTEM "http://192.0.2.1/x">]>
            <IDMEF-Message><Alert><Analyzer><analyzerid>&xxe;&net;</analyzerid></Analyzer>
            <Classification><name>&l10;</name></Classification></Alert></IDMEF-Message>
            """
        let start = ContinuousClock.now
        let result = IdmefParser.parse(Array(bomb.utf8))
        #expect(ContinuousClock.now - start < .seconds(2))
        let alert = result.alerts.first
        #expect(alert?.analyzerID == nil)
        let classification = alert?.classifications.joined() ?? ""
        #expect(classification.contains("lol") == false)
        #expect((alert?.analyzerID ?? "").contains("TOPSECRET") == false)
    }

    @Test("huge and deeply nested input is refused or cut, not trapped on")
    func huge() {
        let big =
            "<IDMEF-Message><Alert><Classification><name>" + String(repeating: "A", count: 2 << 20)
            + "</name></Classification></Alert></IDMEF-Message>"
        #expect(IdmefParser.parse(Array(big.utf8)).status == .unparsable)
        let long =
            "<IDMEF-Message><Alert><Classification><name>" + String(repeating: "B", count: 100_000)
            + "</name></Classification></Alert></IDMEF-Message>"
        let cut = IdmefParser.parse(Array(long.utf8))
        #expect(cut.alerts.first?.classifications.first?.utf8.count == IdmefParser.maximumValueBytes)
        let deep = "<IDMEF-Message><Alert>" + String(repeating: "<x>", count: 100_000) + "</Alert></IDMEF-Message>"
        _ = IdmefParser.parse(Array(deep.utf8))
    }
}
