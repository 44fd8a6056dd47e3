// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICERecords
import MICETestSupport
import Testing

@Suite("contrib/suricata-bridge/eve2idmef.py")
struct SuricataBridgeTests {
    static let script = TestPaths.repositoryRoot + "/contrib/suricata-bridge/eve2idmef.py"
    static let sample = TestPaths.repositoryRoot + "/Tests/Fixtures/suricata/eve.json"
    static let dtd = TestPaths.repositoryRoot + "/.cache/idmef/idmef-message.dtd"

    /// The sample holds a flow event, one alert and a line that is not JSON: one record comes out,
    /// a plaintext CipherIdmefMsg whose IdmefMsgFormat checksum is right and whose IDMEF is valid.
    @Test("an eve.json alert becomes one plaintext CipherIdmefMsg with valid IDMEF")
    func sampleAlert() throws {
        let result = try runProgram("/usr/bin/python3", [Self.script, "--output", "-", Self.sample])
        #expect(result.status == 0, "\(result.errorText)")
        #expect(result.output.count == CipherMsg.idmefSize)
        let envelope = try CipherMsg(decoding: result.output, kind: .idmefMessage)
        #expect(envelope.ivLength == 0)
        #expect(envelope.cipherTextLength == UInt32(IdmefMsgFormat.size))
        #expect(try IdmefMsgFormat.verifyChecksum(of: envelope.payload) == .valid)
        let record = try IdmefMsgFormat(decoding: envelope.payload)
        let xml = String(decoding: record.message.prefix { $0 != 0 }, as: UTF8.self)
        #expect(
            xml.contains("<Classification text='ET SCAN Suspicious inbound to mySQL port 3306 &lt;&amp;\"test\"&gt;'"))
        #expect(xml.contains("<Analyzer analyzerid=\"suricata\""))
        #expect(xml.contains("<Source><Node><Address category=\"ipv4-addr\"><address>203.0.113.9</address>"))
        #expect(xml.contains("<port>51234</port>"))
        #expect(xml.contains("<Target><Node><Address category=\"ipv4-addr\"><address>192.0.2.10</address>"))
        #expect(xml.contains("<port>80</port>"))
        #expect(xml.contains("<Impact severity=\"medium\""))

        let path = NSTemporaryDirectory() + "/mice-eve-\(getpid()).xml"
        try xml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lint = try runProgram("/usr/bin/xmllint", ["--noout", "--dtdvalid", Self.dtd, path])
        #expect(lint.status == 0, "\(lint.errorText)\n\(xml)")
    }

    /// Severity 1 is high, anything unknown is info; non-alert lines give nothing.
    @Test("severities map to IDMEF; non-alert lines give no record")
    func severities() throws {
        let events = [
            #"{"event_type":"alert","src_ip":"2001:db8::1","dest_ip":"2001:db8::2","alert":{"signature":"A","severity":1}}"#,
            #"{"event_type":"alert","src_ip":"192.0.2.1","alert":{"signature":"B","severity":9}}"#,
            #"{"event_type":"dns","src_ip":"192.0.2.1"}"#,
        ]
        let result = try runProgram(
            "/usr/bin/python3", [Self.script, "--output", "-"],
            input: Array((events.joined(separator: "\n") + "\n").utf8))
        #expect(result.status == 0, "\(result.errorText)")
        #expect(result.output.count == 2 * CipherMsg.idmefSize)
        var documents: [String] = []
        for index in 0..<2 {
            let slice = result.output[(index * CipherMsg.idmefSize)..<((index + 1) * CipherMsg.idmefSize)]
            let envelope = try CipherMsg(decoding: slice, kind: .idmefMessage)
            let record = try IdmefMsgFormat(decoding: envelope.payload)
            #expect(record.verifyChecksum() == .valid)
            documents.append(String(decoding: record.message.prefix { $0 != 0 }, as: UTF8.self))
        }
        #expect(documents[0].contains("severity=\"high\"") && documents[0].contains("category=\"ipv6-addr\""))
        #expect(documents[0].contains("messageid=\"1\"") && documents[1].contains("messageid=\"2\""))
        #expect(documents[1].contains("severity=\"info\"") && !documents[1].contains("<Target>"))
    }
}
