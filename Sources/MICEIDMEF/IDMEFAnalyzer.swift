// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The analyzer that produced an alert (RFC 4765 §4.2.4.1).
public struct IDMEFAnalyzer: Sendable, Hashable {
    public var analyzerID: String
    public var name: String?
    public var manufacturer: String?
    public var model: String?
    public var version: String?
    public var analyzerClass: String?
    public var osType: String?
    public var osVersion: String?
    public var node: IDMEFNode?
    public var process: IDMEFProcess?

    public init(
        analyzerID: String, name: String? = nil, manufacturer: String? = nil, model: String? = nil,
        version: String? = nil, analyzerClass: String? = nil, osType: String? = nil, osVersion: String? = nil,
        node: IDMEFNode? = nil, process: IDMEFProcess? = nil
    ) {
        self.analyzerID = analyzerID
        self.name = name
        self.manufacturer = manufacturer
        self.model = model
        self.version = version
        self.analyzerClass = analyzerClass
        self.osType = osType
        self.osVersion = osVersion
        self.node = node
        self.process = process
    }
}
