// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// IDMEF paths as prelude-lml rules write them, normalised for lookup.
public enum IDMEFPath {
    /// `path` with blanks removed, a leading `alert.` dropped and list indexes that prelude-lml
    /// allows to be omitted (`source.node…`) written as `(0)`.
    public static func normalized(_ path: String) -> String {
        var text = path.filter { !$0.isWhitespace }
        if text.hasPrefix("alert.") { text.removeFirst(6) }
        let listed = ["source", "target", "address", "user_id", "analyzer", "additional_data", "reference", "file"]
        var result = ""
        var components = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for index in components.indices {
            var component = components[index]
            if component.hasSuffix("(>>)") || component.hasSuffix("(<<)") {
                component = String(component.dropLast(4)) + "(0)"
            }
            if listed.contains(component) { component += "(0)" }
            components[index] = component
        }
        result = components.joined(separator: ".")
        return result
    }

    public static let classificationText = "classification.text"
    public static let severity = "assessment.impact.severity"
    public static let completion = "assessment.impact.completion"
    public static let impactType = "assessment.impact.type"
    public static let description = "assessment.impact.description"
    public static let sourceAddress = "source(0).node.address(0).address"
    public static let sourcePort = "source(0).service.port"
    public static let sourceUser = "source(0).user.user_id(0).name"
    public static let sourceProcess = "source(0).process.name"
    public static let targetAddress = "target(0).node.address(0).address"
    public static let targetHost = "target(0).node.name"
    public static let targetPort = "target(0).service.port"
    public static let targetService = "target(0).service.name"
    public static let targetUser = "target(0).user.user_id(0).name"
    public static let targetProcess = "target(0).process.name"
}
