// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

/// `FirewallLogFormat`: a parsed packet-filter line in the `logtype` union of a 0.2 `LogFormat`
/// (696 bytes; the union is 1804).
///
/// Offsets relative to the union: `cAction[50]` 0, `cIn[255]` 50, `cOut[255]` 305, `cMAC[30]` 560,
/// `cSource[30]` 590, `cDestination[30]` 620, 2 pad bytes, `uiIPLength` 652, `uiTOS` 656,
/// `uiPrec` 660, `uiTTL` 664, `uiID` 668, `cProtocol[10]` 672, 2 pad bytes, `uiSrcPort` 684,
/// `uiDstPort` 688, `uiPacLength` 692; integers little-endian.
public struct FirewallLogFormat: Hashable, Sendable, TextFieldAccessible {
    /// `cAction[50]`: what the filter did (ACCEPT, DROP, ...).
    public var action: [UInt8]
    /// `cIn[255]`: input interface.
    public var inputInterface: [UInt8]
    /// `cOut[255]`: output interface.
    public var outputInterface: [UInt8]
    /// `cMAC[30]`.
    public var mac: [UInt8]
    /// `cSource[30]`: source address.
    public var source: [UInt8]
    /// `cDestination[30]`: destination address.
    public var destination: [UInt8]
    /// `uiIPLength`.
    public var ipLength: UInt32
    /// `uiTOS`.
    public var tos: UInt32
    /// `uiPrec`.
    public var precedence: UInt32
    /// `uiTTL`.
    public var ttl: UInt32
    /// `uiID`.
    public var id: UInt32
    /// `cProtocol[10]`.
    public var transportProtocol: [UInt8]
    /// `uiSrcPort`.
    public var sourcePort: UInt32
    /// `uiDstPort`.
    public var destinationPort: UInt32
    /// `uiPacLength`.
    public var packetLength: UInt32

    /// `sizeof(FirewallLogFormat)`.
    public static let size = 696

    /// Creates a record; every field defaults to empty or zero.
    public init(
        action: [UInt8] = [], inputInterface: [UInt8] = [], outputInterface: [UInt8] = [], mac: [UInt8] = [],
        source: [UInt8] = [], destination: [UInt8] = [], ipLength: UInt32 = 0, tos: UInt32 = 0,
        precedence: UInt32 = 0, ttl: UInt32 = 0, id: UInt32 = 0, transportProtocol: [UInt8] = [],
        sourcePort: UInt32 = 0, destinationPort: UInt32 = 0, packetLength: UInt32 = 0
    ) {
        self.action = action
        self.inputInterface = inputInterface
        self.outputInterface = outputInterface
        self.mac = mac
        self.source = source
        self.destination = destination
        self.ipLength = ipLength
        self.tos = tos
        self.precedence = precedence
        self.ttl = ttl
        self.id = id
        self.transportProtocol = transportProtocol
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.packetLength = packetLength
    }

    init(reader: RecordReader, base: Int) {
        action = reader.text(at: base + 0, size: 50)
        inputInterface = reader.text(at: base + 50, size: 255)
        outputInterface = reader.text(at: base + 305, size: 255)
        mac = reader.text(at: base + 560, size: 30)
        source = reader.text(at: base + 590, size: 30)
        destination = reader.text(at: base + 620, size: 30)
        ipLength = reader.uint32LE(at: base + 652)
        tos = reader.uint32LE(at: base + 656)
        precedence = reader.uint32LE(at: base + 660)
        ttl = reader.uint32LE(at: base + 664)
        id = reader.uint32LE(at: base + 668)
        transportProtocol = reader.text(at: base + 672, size: 10)
        sourcePort = reader.uint32LE(at: base + 684)
        destinationPort = reader.uint32LE(at: base + 688)
        packetLength = reader.uint32LE(at: base + 692)
    }

    func write(to writer: RecordWriter, base: Int) {
        writer.setText(action, at: base + 0, size: 50)
        writer.setText(inputInterface, at: base + 50, size: 255)
        writer.setText(outputInterface, at: base + 305, size: 255)
        writer.setText(mac, at: base + 560, size: 30)
        writer.setText(source, at: base + 590, size: 30)
        writer.setText(destination, at: base + 620, size: 30)
        writer.setUInt32LE(ipLength, at: base + 652)
        writer.setUInt32LE(tos, at: base + 656)
        writer.setUInt32LE(precedence, at: base + 660)
        writer.setUInt32LE(ttl, at: base + 664)
        writer.setUInt32LE(id, at: base + 668)
        writer.setText(transportProtocol, at: base + 672, size: 10)
        writer.setUInt32LE(sourcePort, at: base + 684)
        writer.setUInt32LE(destinationPort, at: base + 688)
        writer.setUInt32LE(packetLength, at: base + 692)
    }
}

extension FirewallLogFormat {
    private static let recordType = "FirewallLogFormat"
    private static let keys: Set<String> = [
        "cAction", "cIn", "cOut", "cMAC", "cSource", "cDestination", "uiIPLength", "uiTOS", "uiPrec", "uiTTL",
        "uiID", "cProtocol", "uiSrcPort", "uiDstPort", "uiPacLength",
    ]

    /// The record as a JSON object keyed by the C field names.
    public var jsonObject: JSONValue {
        .object([
            "cAction": RecordJSON.bytes(action),
            "cIn": RecordJSON.bytes(inputInterface),
            "cOut": RecordJSON.bytes(outputInterface),
            "cMAC": RecordJSON.bytes(mac),
            "cSource": RecordJSON.bytes(source),
            "cDestination": RecordJSON.bytes(destination),
            "uiIPLength": .int(Int64(ipLength)),
            "uiTOS": .int(Int64(tos)),
            "uiPrec": .int(Int64(precedence)),
            "uiTTL": .int(Int64(ttl)),
            "uiID": .int(Int64(id)),
            "cProtocol": RecordJSON.bytes(transportProtocol),
            "uiSrcPort": .int(Int64(sourcePort)),
            "uiDstPort": .int(Int64(destinationPort)),
            "uiPacLength": .int(Int64(packetLength)),
        ])
    }

    /// Reads the record from the JSON form of ``jsonObject``.
    /// - Parameter json: The JSON object.
    /// - Throws: ``RecordError`` naming the field at fault.
    public init(json: JSONValue) throws(RecordError) {
        let type = Self.recordType
        let object = try RecordJSON.object(json, allowed: Self.keys, recordType: type)
        func text(_ key: String) throws(RecordError) -> [UInt8] {
            try RecordJSON.bytes(from: object[key], recordType: type, field: key)
        }
        func number(_ key: String) throws(RecordError) -> UInt32 {
            try RecordJSON.integer(from: object[key], as: UInt32.self, recordType: type, field: key)
        }
        self.init(
            action: try text("cAction"), inputInterface: try text("cIn"), outputInterface: try text("cOut"),
            mac: try text("cMAC"), source: try text("cSource"), destination: try text("cDestination"),
            ipLength: try number("uiIPLength"), tos: try number("uiTOS"), precedence: try number("uiPrec"),
            ttl: try number("uiTTL"), id: try number("uiID"), transportProtocol: try text("cProtocol"),
            sourcePort: try number("uiSrcPort"), destinationPort: try number("uiDstPort"),
            packetLength: try number("uiPacLength")
        )
    }
}
