// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// LINK_HELLO: the sender's first frame on a link (sender to receiver).
public struct LinkHelloMessage: Codable, Hashable, Sendable {
    /// Always ``LinkProtocol/magic``.
    public var `protocol`: String
    /// Every protocol version the sender speaks.
    public var versions: [Int]
    /// The link's name from the sender's configuration, e.g. `rawlogdb`; the receiver checks it.
    public var link: String
    /// The sender's stable identity: the receiver deduplicates records per sender by sequence number.
    /// A new spool gets a new identity, so its sequence numbers never collide with an older one's.
    public var sender: String
    /// The size of every record on this link, e.g. 1712 or 6632.
    public var recordSize: Int

    public init(versions: [Int] = LinkProtocol.supportedVersions, link: String, sender: String, recordSize: Int) {
        self.protocol = LinkProtocol.magic
        self.versions = versions
        self.link = link
        self.sender = sender
        self.recordSize = recordSize
    }
}

/// LINK_READY: the receiver accepted the link (receiver to sender).
public struct LinkReadyMessage: Codable, Hashable, Sendable {
    /// The protocol version in force for the rest of the connection.
    public var version: Int
    /// The link's name on the receiver.
    public var link: String
    /// The highest sequence number of this sender that the receiver holds durable (every record up to
    /// it): the sender may forget those and resends from the next one.
    public var durable: UInt64

    public init(version: Int, link: String, durable: UInt64) {
        self.version = version
        self.link = link
        self.durable = durable
    }
}
