// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Writes IDMEF messages as XML (RFC 4765 §8) in the default namespace `http://iana.org/idmef`,
/// in the element order of the DTD prelude-manager ships, so that
/// `xmllint --dtdvalid idmef-message.dtd` accepts the output.
///
/// Every text and attribute value is sanitised (invalid UTF-8 and characters XML forbids become
/// U+FFFD) and escaped; a raw log line should go in as ``IDMEFAdditionalData/logLine(_:meaning:)``,
/// which keeps hostile bytes intact as base64.
public enum IDMEFXMLWriter {
    /// The namespace of RFC 4765.
    public static let namespace = "http://iana.org/idmef"

    /// The whole document, with an XML declaration.
    public static func document(_ message: IDMEFMessage) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<IDMEF-Message version=\"1.0\" xmlns=\"\(namespace)\">\n"
        for alert in message.alerts { write(alert, into: &out) }
        out += "</IDMEF-Message>\n"
        return out
    }

    /// One `Alert` element (for streams of alerts, wrap them with ``document(_:)``).
    public static func alertElement(_ alert: IDMEFAlert) -> String {
        var out = ""
        write(alert, into: &out)
        return out
    }

    private static func write(_ alert: IDMEFAlert, into out: inout String) {
        out += "  <Alert messageid=\"\(attr(alert.messageID))\">\n"
        write(alert.analyzer, indent: "    ", into: &out)
        writeTime("CreateTime", alert.createTime, into: &out)
        if let time = alert.detectTime { writeTime("DetectTime", time, into: &out) }
        if let time = alert.analyzerTime { writeTime("AnalyzerTime", time, into: &out) }
        for source in alert.sources where !source.isEmpty {
            out += "    <Source>\n"
            writeParts(source.node, source.user, source.process, source.service, into: &out)
            out += "    </Source>\n"
        }
        for target in alert.targets where !target.isEmpty {
            out += "    <Target>\n"
            writeParts(target.node, target.user, target.process, target.service, into: &out)
            out += "    </Target>\n"
        }
        let classification = alert.classification
        out += "    <Classification"
        if let ident = classification.ident { out += " ident=\"\(attr(ident))\"" }
        out += " text=\"\(attr(classification.text))\""
        if classification.references.isEmpty {
            out += "/>\n"
        } else {
            out += ">\n"
            for reference in classification.references {
                out += "      <Reference origin=\"\(attr(reference.origin))\""
                if let meaning = reference.meaning { out += " meaning=\"\(attr(meaning))\"" }
                out += ">\n"
                out += "        <name>\(text(reference.name))</name>\n"
                out += "        <url>\(text(reference.url))</url>\n"
                out += "      </Reference>\n"
            }
            out += "    </Classification>\n"
        }
        if let assessment = alert.assessment {
            out += "    <Assessment>\n"
            if let impact = assessment.impact {
                out += "      <Impact"
                if let severity = impact.severity { out += " severity=\"\(severity.rawValue)\"" }
                if let completion = impact.completion { out += " completion=\"\(completion.rawValue)\"" }
                out += " type=\"\(impact.type.rawValue)\">\(text(impact.description ?? ""))</Impact>\n"
            }
            if let confidence = assessment.confidence {
                let rating = ["low", "medium", "high"].contains(confidence) ? confidence : "low"
                out += "      <Confidence rating=\"\(rating)\">0</Confidence>\n"
            }
            out += "    </Assessment>\n"
        }
        for data in alert.additionalData {
            out += "    <AdditionalData"
            let (type, body): (String, String)
            switch data.value {
            case .string(let value): (type, body) = ("string", text(value))
            case .integer(let value): (type, body) = ("integer", String(value))
            case .real(let value): (type, body) = ("real", value.isFinite ? String(value) : "0")
            case .boolean(let value): (type, body) = ("boolean", value ? "true" : "false")
            case .byteString(let value): (type, body) = ("byte-string", IDMEFText.base64(value))
            }
            out += " type=\"\(type)\""
            if let meaning = data.meaning { out += " meaning=\"\(attr(meaning))\"" }
            out += "><\(type)>\(body)</\(type)></AdditionalData>\n"
        }
        out += "  </Alert>\n"
    }

    private static func write(_ analyzer: IDMEFAnalyzer, indent: String, into out: inout String) {
        out += indent + "<Analyzer analyzerid=\"\(attr(analyzer.analyzerID))\""
        let attributes: [(String, String?)] = [
            ("name", analyzer.name), ("manufacturer", analyzer.manufacturer), ("model", analyzer.model),
            ("version", analyzer.version), ("class", analyzer.analyzerClass), ("ostype", analyzer.osType),
            ("osversion", analyzer.osVersion),
        ]
        for case (let key, let value?) in attributes { out += " \(key)=\"\(attr(value))\"" }
        guard analyzer.node.map(isValid) == true || analyzer.process != nil else {
            out += "/>\n"
            return
        }
        out += ">\n"
        if let node = analyzer.node, isValid(node) { write(node, indent: indent + "  ", into: &out) }
        if let process = analyzer.process { write(process, indent: indent + "  ", into: &out) }
        out += indent + "</Analyzer>\n"
    }

    private static func writeTime(_ name: String, _ time: IDMEFTime, into out: inout String) {
        out += "    <\(name) ntpstamp=\"\(time.ntpStamp)\">\(time.text)</\(name)>\n"
    }

    private static func writeParts(
        _ node: IDMEFNode?, _ user: IDMEFUser?, _ process: IDMEFProcess?, _ service: IDMEFService?,
        into out: inout String
    ) {
        let indent = "      "
        if let node, isValid(node) { write(node, indent: indent, into: &out) }
        if let user, !user.userIDs.isEmpty {
            out += indent + "<User category=\"\(choice(user.category, usercategories))\">\n"
            for userID in user.userIDs {
                out += indent + "  <UserId type=\"\(choice(userID.type, idTypes, fallback: "original-user"))\">"
                if let name = userID.name { out += "<name>\(text(name))</name>" }
                if let number = userID.number { out += "<number>\(text(number))</number>" }
                if userID.name == nil && userID.number == nil { out += "<name></name>" }
                out += "</UserId>\n"
            }
            out += indent + "</User>\n"
        }
        if let process { write(process, indent: indent, into: &out) }
        if let service, service.name != nil || service.port != nil {
            out += indent + "<Service"
            if let number = service.ianaProtocolNumber { out += " iana_protocol_number=\"\(attr(number))\"" }
            if let name = service.ianaProtocolName { out += " iana_protocol_name=\"\(attr(name))\"" }
            out += ">"
            if let name = service.name { out += "<name>\(text(name))</name>" }
            if let port = service.port { out += "<port>\(text(port))</port>" }
            out += "</Service>\n"
        }
    }

    private static func isValid(_ node: IDMEFNode) -> Bool { node.name != nil || !node.addresses.isEmpty }

    private static func write(_ node: IDMEFNode, indent: String, into out: inout String) {
        out += indent + "<Node category=\"\(choice(node.category, nodeCategories))\">\n"
        if let name = node.name { out += indent + "  <name>\(text(name))</name>\n" }
        for address in node.addresses {
            out += indent + "  <Address category=\"\(choice(address.category, addressCategories))\">"
            out += "<address>\(text(address.address))</address>"
            if let netmask = address.netmask { out += "<netmask>\(text(netmask))</netmask>" }
            out += "</Address>\n"
        }
        out += indent + "</Node>\n"
    }

    private static func write(_ process: IDMEFProcess, indent: String, into out: inout String) {
        out += indent + "<Process><name>\(text(process.name))</name>"
        if let pid = process.pid, !pid.isEmpty, pid.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            out += "<pid>\(pid)</pid>"
        }
        if let path = process.path { out += "<path>\(text(path))</path>" }
        out += "</Process>\n"
    }

    private static let nodeCategories: Set<String> = [
        "unknown", "ads", "afs", "coda", "dfs", "dns", "hosts", "kerberos", "nds", "nis", "nisplus", "nt", "wfw",
    ]
    private static let addressCategories: Set<String> = [
        "unknown", "atm", "e-mail", "lotus-notes", "mac", "sna", "vm", "ipv4-addr", "ipv4-addr-hex", "ipv4-net",
        "ipv4-net-mask", "ipv6-addr", "ipv6-addr-hex", "ipv6-net", "ipv6-net-mask",
    ]
    private static let usercategories: Set<String> = ["unknown", "application", "os-device"]
    private static let idTypes: Set<String> = [
        "current-user", "original-user", "target-user", "user-privs", "current-group", "group-privs", "other-privs",
    ]

    /// `value` if the DTD allows it for the attribute, else the fallback (enumerated attributes).
    private static func choice(_ value: String, _ allowed: Set<String>, fallback: String = "unknown") -> String {
        allowed.contains(value) ? value : fallback
    }

    private static func text(_ value: String) -> String { IDMEFText.escapedContent(value) }
    private static func attr(_ value: String) -> String { IDMEFText.escapedAttribute(value) }
}
