// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An IDMEF message (RFC 4765 §4.2.1): the root element, holding alerts.
///
/// The types of this module are a plain value model of the parts of RFC 4765 that M-ICE
/// produces and consumes; ``IDMEFXMLWriter`` turns them into XML that validates against the
/// DTD prelude-manager ships.
public struct IDMEFMessage: Sendable, Hashable {
    /// The alerts, in document order.
    public var alerts: [IDMEFAlert]

    public init(alerts: [IDMEFAlert]) {
        self.alerts = alerts
    }
}

/// An IDMEF Alert (RFC 4765 §4.2.2).
public struct IDMEFAlert: Sendable, Hashable {
    /// The `messageid` attribute.
    public var messageID: String
    public var analyzer: IDMEFAnalyzer
    public var createTime: IDMEFTime
    public var detectTime: IDMEFTime?
    public var analyzerTime: IDMEFTime?
    public var sources: [IDMEFSource]
    public var targets: [IDMEFTarget]
    public var classification: IDMEFClassification
    public var assessment: IDMEFAssessment?
    public var additionalData: [IDMEFAdditionalData]

    public init(
        messageID: String, analyzer: IDMEFAnalyzer, createTime: IDMEFTime, detectTime: IDMEFTime? = nil,
        analyzerTime: IDMEFTime? = nil, sources: [IDMEFSource] = [], targets: [IDMEFTarget] = [],
        classification: IDMEFClassification, assessment: IDMEFAssessment? = nil,
        additionalData: [IDMEFAdditionalData] = []
    ) {
        self.messageID = messageID
        self.analyzer = analyzer
        self.createTime = createTime
        self.detectTime = detectTime
        self.analyzerTime = analyzerTime
        self.sources = sources
        self.targets = targets
        self.classification = classification
        self.assessment = assessment
        self.additionalData = additionalData
    }
}
