// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The source of an attack (RFC 4765 §4.2.4.3).
public struct IDMEFSource: Sendable, Hashable {
    public var node: IDMEFNode?
    public var user: IDMEFUser?
    public var process: IDMEFProcess?
    public var service: IDMEFService?

    public init(
        node: IDMEFNode? = nil, user: IDMEFUser? = nil, process: IDMEFProcess? = nil, service: IDMEFService? = nil
    ) {
        self.node = node
        self.user = user
        self.process = process
        self.service = service
    }

    /// Whether nothing is set.
    public var isEmpty: Bool { node == nil && user == nil && process == nil && service == nil }
}

/// The target of an attack (RFC 4765 §4.2.4.4); files are not modelled.
public struct IDMEFTarget: Sendable, Hashable {
    public var node: IDMEFNode?
    public var user: IDMEFUser?
    public var process: IDMEFProcess?
    public var service: IDMEFService?

    public init(
        node: IDMEFNode? = nil, user: IDMEFUser? = nil, process: IDMEFProcess? = nil, service: IDMEFService? = nil
    ) {
        self.node = node
        self.user = user
        self.process = process
        self.service = service
    }

    /// Whether nothing is set.
    public var isEmpty: Bool { node == nil && user == nil && process == nil && service == nil }
}

/// A host or device (RFC 4765 §4.2.7.2). It needs a name or at least one address.
public struct IDMEFNode: Sendable, Hashable {
    /// The `category` attribute (`unknown`, `dns`, …).
    public var category: String
    public var name: String?
    public var addresses: [IDMEFAddress]

    public init(category: String = "unknown", name: String? = nil, addresses: [IDMEFAddress] = []) {
        self.category = category
        self.name = name
        self.addresses = addresses
    }
}

/// A network address (RFC 4765 §4.2.7.2.1).
public struct IDMEFAddress: Sendable, Hashable {
    /// The `category` attribute: `ipv4-addr`, `ipv6-addr`, `e-mail`, `unknown`, ….
    public var category: String
    public var address: String
    public var netmask: String?

    public init(category: String = "unknown", address: String, netmask: String? = nil) {
        self.category = category
        self.address = address
        self.netmask = netmask
    }

    /// An address whose category is guessed from its text: IPv4, IPv6 or unknown.
    public static func guessing(_ text: String) -> IDMEFAddress {
        let bytes = Array(text.utf8)
        let isIPv4 =
            !bytes.isEmpty && bytes.allSatisfy { $0 == UInt8(ascii: ".") || ($0 >= 0x30 && $0 <= 0x39) }
            && bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).count == 4
        if isIPv4 { return IDMEFAddress(category: "ipv4-addr", address: text) }
        let isIPv6 =
            bytes.contains(UInt8(ascii: ":"))
            && bytes.allSatisfy { byte in
                byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".") || (byte >= 0x30 && byte <= 0x39)
                    || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
            }
        return IDMEFAddress(category: isIPv6 ? "ipv6-addr" : "unknown", address: text)
    }
}

/// A user (RFC 4765 §4.2.7.3) with at least one user ID.
public struct IDMEFUser: Sendable, Hashable {
    /// The `category` attribute: `unknown`, `application` or `os-device`.
    public var category: String
    public var userIDs: [IDMEFUserID]

    public init(category: String = "unknown", userIDs: [IDMEFUserID]) {
        self.category = category
        self.userIDs = userIDs
    }
}

/// A user or group identity (RFC 4765 §4.2.7.3.1); it needs a name or a number.
public struct IDMEFUserID: Sendable, Hashable {
    /// The `type` attribute: `original-user`, `target-user`, `current-user`, ….
    public var type: String
    public var name: String?
    public var number: String?

    public init(type: String = "original-user", name: String? = nil, number: String? = nil) {
        self.type = type
        self.name = name
        self.number = number
    }
}

/// A process (RFC 4765 §4.2.7.4).
public struct IDMEFProcess: Sendable, Hashable {
    public var name: String
    public var pid: String?
    public var path: String?

    public init(name: String, pid: String? = nil, path: String? = nil) {
        self.name = name
        self.pid = pid
        self.path = path
    }
}

/// A network service (RFC 4765 §4.2.7.5); it needs a name or a port.
public struct IDMEFService: Sendable, Hashable {
    public var name: String?
    public var port: String?
    public var ianaProtocolNumber: String?
    public var ianaProtocolName: String?

    public init(
        name: String? = nil, port: String? = nil, ianaProtocolNumber: String? = nil, ianaProtocolName: String? = nil
    ) {
        self.name = name
        self.port = port
        self.ianaProtocolNumber = ianaProtocolNumber
        self.ianaProtocolName = ianaProtocolName
    }
}
