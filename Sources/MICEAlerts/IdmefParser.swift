// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import CLibXML2
import Synchronization

/// Reads the alerts of an IDMEF message with libxml2, for input from the network.
///
/// Hostile input is expected: the parser never loads a DTD or an external entity (the loader is
/// replaced by one that refuses everything, and the network is off), never substitutes entities
/// (an entity reference contributes nothing to a value, so no "billion laughs"), reads at most
/// ``maximumInputBytes``, and keeps at most ``maximumValueBytes`` of each value. Broken XML is
/// recovered where libxml2 can (status `recovered`); what yields no `Alert` is `unparsable`.
/// Both the original's element form (libidmef: `<analyzerid>` children, `<name>` under
/// `Classification`) and RFC 4765's attributes are accepted; namespace prefixes are ignored.
public enum IdmefParser {
    /// Input beyond this many bytes is not parsed (`unparsable`).
    public static let maximumInputBytes = 1 << 20
    /// Each value is cut to this many bytes.
    public static let maximumValueBytes = 4096
    /// Alerts read from one message at most.
    public static let maximumAlerts = 256

    private static let setUp: Bool = {
        xmlInitParser()
        xmlSetExternalEntityLoader { _, _, _ in nil }
        xmlSetStructuredErrorFunc(nil) { _, _ in }
        xmlSetGenericErrorFunc(nil, nil)
        return true
    }()
    private static let lock = Mutex(())

    /// Parses `bytes` (up to the first NUL, as the original's C string).
    /// - Returns: The alerts and how well they parsed; never throws, never traps.
    public static func parse(_ bytes: some Collection<UInt8>) -> IdmefParseResult {
        var input = Array(bytes)
        if let nul = input.firstIndex(of: 0) { input.removeSubrange(nul...) }
        guard !input.isEmpty else { return IdmefParseResult(status: .unparsable, alerts: [], error: "empty message") }
        guard input.count <= maximumInputBytes else {
            return IdmefParseResult(
                status: .unparsable, alerts: [], error: "message of \(input.count) bytes, over \(maximumInputBytes)")
        }
        _ = setUp
        // libxml2's global handlers are set once; contexts are per call. One parse at a time keeps
        // older libxml2 builds (without thread-local error state) safe.
        return lock.withLock { _ in parseLocked(input) }
    }

    private static func parseLocked(_ input: [UInt8]) -> IdmefParseResult {
        guard let context = xmlNewParserCtxt() else {
            return IdmefParseResult(status: .unparsable, alerts: [], error: "libxml2: no parser context")
        }
        defer { xmlFreeParserCtxt(context) }
        let options = Int32(
            bitPattern: XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
                | XML_PARSE_RECOVER.rawValue | XML_PARSE_NOBLANKS.rawValue)
        let document = input.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                xmlCtxtReadMemory(context, pointer, Int32(buffer.count), "idmef.xml", nil, options)
            }
        }
        var error: String?
        if let last = xmlCtxtGetLastError(context), last.pointee.code != 0 {
            let message = last.pointee.message.map { String(cString: $0) } ?? "error \(last.pointee.code)"
            error = "line \(last.pointee.line): " + message.trimmingWhitespace
        }
        guard let document else {
            return IdmefParseResult(status: .unparsable, alerts: [], error: error ?? "not XML")
        }
        defer { xmlFreeDoc(document) }
        let wellFormed = context.pointee.wellFormed != 0
        guard let root = xmlDocGetRootElement(document) else {
            return IdmefParseResult(status: .unparsable, alerts: [], error: error ?? "no root element")
        }
        var alerts: [IdmefAlert] = []
        if name(of: root) == "Alert" {
            alerts.append(alert(from: root))
        } else if name(of: root) == "IDMEF-Message" {
            for child in elements(under: root) where name(of: child) == "Alert" {
                alerts.append(alert(from: child))
                if alerts.count >= maximumAlerts { break }
            }
        } else {
            return IdmefParseResult(
                status: .unparsable, alerts: [], error: error ?? "root element is \(name(of: root)), not IDMEF-Message")
        }
        guard !alerts.isEmpty else {
            return IdmefParseResult(status: .unparsable, alerts: [], error: error ?? "no Alert in the message")
        }
        return IdmefParseResult(status: wellFormed ? .parsed : .recovered, alerts: alerts, error: error)
    }

    // MARK: - Tree access

    private static func alert(from node: xmlNodePtr) -> IdmefAlert {
        var alert = IdmefAlert()
        alert.ident = attribute("messageid", of: node) ?? value("ident", of: node)
        if let analyzer = child("Analyzer", of: node) { alert.analyzerID = value("analyzerid", of: analyzer) }
        if let created = child("CreateTime", of: node) { alert.createTime = text(of: created) }
        for classification in elements(under: node) where name(of: classification) == "Classification" {
            if let text = attribute("text", of: classification) ?? value("name", of: classification) {
                alert.classifications.append(text)
            }
            if alert.classifications.count >= maximumAlerts { break }
        }
        if let source = child("Source", of: node) { alert.source = party(source) }
        if let target = child("Target", of: node) { alert.target = party(target) }
        return alert
    }

    private static func party(_ node: xmlNodePtr) -> IdmefAlert.Party {
        var party = IdmefAlert.Party()
        if let address = child("Node", of: node).flatMap({ child("Address", of: $0) }) {
            party.address = value("address", of: address)
        }
        if let user = child("User", of: node) {
            party.user = child("UserId", of: user).flatMap { value("name", of: $0) }
        }
        party.process = child("Process", of: node).flatMap { value("name", of: $0) }
        party.service = child("Service", of: node).flatMap { value("name", of: $0) }
        return party
    }

    /// The attribute `key`, else the text of the child element `key`.
    private static func value(_ key: String, of node: xmlNodePtr) -> String? {
        attribute(key, of: node) ?? child(key, of: node).flatMap(text(of:))
    }

    private static func name(of node: xmlNodePtr) -> String {
        node.pointee.name.map { String(cString: $0) } ?? ""
    }

    private static func elements(under node: xmlNodePtr) -> [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var current = node.pointee.children
        while let element = current {
            if element.pointee.type == XML_ELEMENT_NODE { result.append(element) }
            current = element.pointee.next
        }
        return result
    }

    private static func child(_ name: String, of node: xmlNodePtr) -> xmlNodePtr? {
        var current = node.pointee.children
        while let element = current {
            if element.pointee.type == XML_ELEMENT_NODE, Self.name(of: element) == name { return element }
            current = element.pointee.next
        }
        return nil
    }

    private static func attribute(_ key: String, of node: xmlNodePtr) -> String? {
        var current = node.pointee.properties
        while let attribute = current {
            if let name = attribute.pointee.name, String(cString: name) == key {
                var bytes: [UInt8] = []
                var part = attribute.pointee.children
                while let text = part {
                    if text.pointee.type == XML_TEXT_NODE, let content = text.pointee.content {
                        append(content, to: &bytes)
                    }
                    part = text.pointee.next
                }
                return finish(bytes)
            }
            current = attribute.pointee.next
        }
        return nil
    }

    /// The element's own text and CDATA children; entity references add nothing.
    private static func text(of node: xmlNodePtr) -> String? {
        var bytes: [UInt8] = []
        var current = node.pointee.children
        while let part = current {
            if part.pointee.type == XML_TEXT_NODE || part.pointee.type == XML_CDATA_SECTION_NODE,
                let content = part.pointee.content
            {
                append(content, to: &bytes)
            }
            current = part.pointee.next
        }
        return finish(bytes)
    }

    private static func append(_ content: UnsafePointer<xmlChar>, to bytes: inout [UInt8]) {
        var index = 0
        while content[index] != 0, bytes.count < maximumValueBytes {
            bytes.append(content[index])
            index += 1
        }
    }

    private static func finish(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace
        return text.isEmpty ? nil : text
    }
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
