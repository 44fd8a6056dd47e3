// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The classification of an alert (RFC 4765 §4.2.4.2).
public struct IDMEFClassification: Sendable, Hashable {
    /// The `text` attribute: what the alert is about.
    public var text: String
    /// The `ident` attribute, if any.
    public var ident: String?
    public var references: [IDMEFReference]

    public init(text: String, ident: String? = nil, references: [IDMEFReference] = []) {
        self.text = text
        self.ident = ident
        self.references = references
    }
}

/// A reference to documentation about an alert (RFC 4765 §4.2.7.1).
public struct IDMEFReference: Sendable, Hashable {
    /// The `origin` attribute: `unknown`, `vendor-specific`, `user-specific`, `bugtraqid`, `cve`, `osvdb`.
    public var origin: String
    public var name: String
    public var url: String
    public var meaning: String?

    public init(origin: String = "unknown", name: String, url: String, meaning: String? = nil) {
        self.origin = origin
        self.name = name
        self.url = url
        self.meaning = meaning
    }
}

/// The assessment of an alert (RFC 4765 §4.2.4.5).
public struct IDMEFAssessment: Sendable, Hashable {
    public var impact: IDMEFImpact?
    /// The confidence rating (`low`, `medium`, `high`), if any.
    public var confidence: String?

    public init(impact: IDMEFImpact? = nil, confidence: String? = nil) {
        self.impact = impact
        self.confidence = confidence
    }
}

/// The impact of an event (RFC 4765 §4.2.6.1).
public struct IDMEFImpact: Sendable, Hashable {
    /// Severity values.
    public enum Severity: String, Sendable, Hashable, CaseIterable {
        case info, low, medium, high
    }

    /// Completion values: whether the attempt succeeded.
    public enum Completion: String, Sendable, Hashable, CaseIterable {
        case failed, succeeded
    }

    /// Impact types.
    public enum ImpactType: String, Sendable, Hashable, CaseIterable {
        case admin, dos, file, recon, user, other
    }

    public var severity: Severity?
    public var completion: Completion?
    public var type: ImpactType
    public var description: String?

    public init(
        severity: Severity? = nil, completion: Completion? = nil, type: ImpactType = .other, description: String? = nil
    ) {
        self.severity = severity
        self.completion = completion
        self.type = type
        self.description = description
    }
}

/// Information that has no other place in the model (RFC 4765 §4.2.4.6).
public struct IDMEFAdditionalData: Sendable, Hashable {
    /// A typed value.
    public enum Value: Sendable, Hashable {
        case string(String)
        case integer(Int64)
        case real(Double)
        case boolean(Bool)
        /// Arbitrary bytes, written as base64.
        case byteString([UInt8])
    }

    public var meaning: String?
    public var value: Value

    public init(meaning: String?, value: Value) {
        self.meaning = meaning
        self.value = value
    }

    /// A raw log line: a `string` when its bytes are valid UTF-8 that XML can carry, else a
    /// `byte-string` (base64) so that no byte is lost or altered.
    public static func logLine(_ bytes: some Collection<UInt8>, meaning: String = "Original Log") -> IDMEFAdditionalData
    {
        let array = Array(bytes)
        if let text = IDMEFText.exactXMLString(array) {
            return IDMEFAdditionalData(meaning: meaning, value: .string(text))
        }
        return IDMEFAdditionalData(meaning: meaning, value: .byteString(array))
    }
}
