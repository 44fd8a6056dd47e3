// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The fields of one IDMEF `Alert` that the management host uses (spec §10): its classification
/// names (matched against the alert IDs of the match files), the analyzer, and the first source
/// and target. Absent elements are nil, never a crash.
public struct IdmefAlert: Hashable, Sendable {
    /// One end of the alert (`Source` or `Target`).
    public struct Party: Hashable, Sendable {
        /// `Node/Address/address`.
        public var address: String?
        /// `User/UserId/name`.
        public var user: String?
        /// `Process/name`.
        public var process: String?
        /// `Service/name`.
        public var service: String?

        public init(address: String? = nil, user: String? = nil, process: String? = nil, service: String? = nil) {
            self.address = address
            self.user = user
            self.process = process
            self.service = service
        }
    }

    /// The alert's identifier: attribute `messageid` or `ident`, or a child `ident`.
    public var ident: String?
    /// `Analyzer`'s `analyzerid` (attribute or child element).
    public var analyzerID: String?
    /// `CreateTime` as written.
    public var createTime: String?
    /// Every `Classification`'s name (attribute `text` or `name`, or a child `name`), in order.
    public var classifications: [String]
    /// The first `Source`.
    public var source: Party
    /// The first `Target`.
    public var target: Party

    public init(
        ident: String? = nil, analyzerID: String? = nil, createTime: String? = nil, classifications: [String] = [],
        source: Party = Party(), target: Party = Party()
    ) {
        self.ident = ident
        self.analyzerID = analyzerID
        self.createTime = createTime
        self.classifications = classifications
        self.source = source
        self.target = target
    }
}
