// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An alert a backend let out (after `alertContext` throttling).
public struct NFRAlert: Codable, Hashable, Sendable {
    /// When (packet time when replaying), seconds since the epoch.
    public var time: Double
    /// `package/backend` that raised it.
    public var backend: String
    /// The alert source's short name (from the `.acf`; the name as called when undefined).
    public var source: String
    /// The alert's name as the `.acf` defines it (the name as called when undefined).
    public var alert: String
    /// Its severity.
    public var severity: AlertSeverity
    /// The formatted message.
    public var message: String
    /// The arguments after the context, as text.
    public var arguments: [String]
    /// The first address argument, taken as the source of the event (IDMEF Source), if any.
    public var sourceAddress: String?
    /// The second address argument, taken as the target (IDMEF Target), if any.
    public var targetAddress: String?
    /// The rules it went to.
    public var rules: [String]

    public init(
        time: Double, backend: String, source: String, alert: String, severity: AlertSeverity, message: String,
        arguments: [String], sourceAddress: String?, targetAddress: String?, rules: [String]
    ) {
        self.time = time
        self.backend = backend
        self.source = source
        self.alert = alert
        self.severity = severity
        self.message = message
        self.arguments = arguments
        self.sourceAddress = sourceAddress
        self.targetAddress = targetAddress
        self.rules = rules
    }

    /// One JSON object on one line (keys sorted, no newline).
    public var jsonLine: String {
        var line = "{\"alert\":" + JSONText.quoted(alert)
        line += ",\"arguments\":[" + arguments.map(JSONText.quoted).joined(separator: ",") + "]"
        line += ",\"backend\":" + JSONText.quoted(backend)
        line += ",\"message\":" + JSONText.quoted(message)
        line += ",\"rules\":[" + rules.map(JSONText.quoted).joined(separator: ",") + "]"
        line += ",\"severity\":\"" + severity.rawValue + "\""
        line += ",\"source\":" + JSONText.quoted(source)
        line += ",\"source_address\":" + (sourceAddress.map(JSONText.quoted) ?? "null")
        line += ",\"target_address\":" + (targetAddress.map(JSONText.quoted) ?? "null")
        line += ",\"time\":" + RecordedValue.time(time).json + "}"
        return line
    }

    /// The console form: `Thu Apr 30 16:45:59 1998 NEW_BAD_HOST_BACKEND NEW_BAD_HOST [SEV_ATTACK] message`.
    public var consoleLine: String {
        CivilTime(epochSeconds: Int64(time.rounded(.down))).ctime
            + " \(source) \(alert) [\(severity.rawValue)] \(message)"
    }
}
