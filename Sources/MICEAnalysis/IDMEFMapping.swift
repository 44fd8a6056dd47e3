// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEIDMEF

extension AnalysisEvent {
    /// The event as an IDMEF alert: classification, assessment, source and target from the
    /// captures, detect time in the given zone, the raw line as AdditionalData.
    /// - Parameters:
    ///   - analyzer: who reports (M-ICE analysis engine on this host).
    ///   - messageID: the alert's `messageid`.
    ///   - createTime: when the alert was made.
    ///   - utcOffset: the zone of the detect time, seconds east of UTC.
    public func idmefAlert(analyzer: IDMEFAnalyzer, messageID: String, createTime: IDMEFTime, utcOffset: Int32 = 0)
        -> IDMEFAlert
    {
        func endpointParts(_ root: String) -> (IDMEFNode?, IDMEFUser?, IDMEFProcess?, IDMEFService?) {
            let prefix = root + "(0)."
            var node: IDMEFNode?
            let address = fields[prefix + "node.address(0).address"]
            let name = fields[prefix + "node.name"]
            if address != nil || name != nil {
                var value = IDMEFNode(name: name)
                if let address {
                    var parsed = IDMEFAddress.guessing(address)
                    if let category = fields[prefix + "node.address(0).category"] { parsed.category = category }
                    value.addresses = [parsed]
                }
                node = value
            }
            var user: IDMEFUser?
            let userName = fields[prefix + "user.user_id(0).name"]
            let userNumber = fields[prefix + "user.user_id(0).number"]
            if userName != nil || userNumber != nil {
                user = IDMEFUser(
                    category: fields[prefix + "user.category"] ?? "unknown",
                    userIDs: [
                        IDMEFUserID(
                            type: fields[prefix + "user.user_id(0).type"]
                                ?? (root == "target" ? "target-user" : "original-user"), name: userName,
                            number: userNumber)
                    ])
            }
            let process = fields[prefix + "process.name"].map {
                IDMEFProcess(name: $0, pid: fields[prefix + "process.pid"], path: fields[prefix + "process.path"])
            }
            var service: IDMEFService?
            let serviceName = fields[prefix + "service.name"]
            let port = fields[prefix + "service.port"].flatMap { UInt16($0) }.map(String.init)
            if serviceName != nil || port != nil {
                service = IDMEFService(
                    name: serviceName, port: port, ianaProtocolNumber: fields[prefix + "service.iana_protocol_number"],
                    ianaProtocolName: fields[prefix + "service.iana_protocol_name"])
            }
            return (node, user, process, service)
        }
        let source = endpointParts("source")
        let target = endpointParts("target")
        var references: [IDMEFReference] = []
        if let name = fields["classification.reference(0).name"] {
            references.append(
                IDMEFReference(
                    origin: fields["classification.reference(0).origin"] ?? "vendor-specific", name: name,
                    url: fields["classification.reference(0).url"] ?? "",
                    meaning: fields["classification.reference(0).meaning"]))
        }
        var additional: [IDMEFAdditionalData] = []
        additional.append(IDMEFAdditionalData(meaning: "Rule ID", value: .string(ruleID)))
        if let revision = ruleRevision {
            additional.append(IDMEFAdditionalData(meaning: "Rule Revision", value: .integer(Int64(revision))))
        }
        if count > 1 { additional.append(IDMEFAdditionalData(meaning: "Event count", value: .integer(Int64(count)))) }
        if let file { additional.append(IDMEFAdditionalData(meaning: "Log received from", value: .string(file))) }
        if lineNumber > 0 {
            additional.append(IDMEFAdditionalData(meaning: "Line number", value: .integer(Int64(lineNumber))))
        }
        additional.append(IDMEFAdditionalData.logLine(line))
        return IDMEFAlert(
            messageID: messageID, analyzer: analyzer, createTime: createTime,
            detectTime: IDMEFTime(unixTime: time, utcOffset: utcOffset),
            sources: [IDMEFSource(node: source.0, user: source.1, process: source.2, service: source.3)],
            targets: [IDMEFTarget(node: target.0, user: target.1, process: target.2, service: target.3)],
            classification: IDMEFClassification(text: classification, references: references),
            assessment: IDMEFAssessment(
                impact: IDMEFImpact(
                    severity: severity, completion: completion, type: impactType ?? .other,
                    description: fields[IDMEFPath.description])),
            additionalData: additional)
    }
}
