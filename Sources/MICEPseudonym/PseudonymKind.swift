// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// What an identifier is. The kind decides the pseudonym's prefix, how the value is stored inside
/// it (IP and MAC addresses in binary, which keeps pseudonyms short and makes every spelling of an
/// address give the same pseudonym) and is bound into its authenticator, so a pseudonym's prefix
/// cannot be changed unnoticed.
public enum PseudonymKind: String, CaseIterable, Hashable, Sendable {
    /// A user name: `u-`.
    case user
    /// A numeric user id in text ("uid=500"): `uid-`.
    case uid
    /// An IPv4 or IPv6 address: `ip-`; revealed in canonical form (RFC 5952 for IPv6, no
    /// leading zeros for IPv4).
    case ip
    /// A host name: `h-`.
    case host
    /// A MAC address (or netfilter's MAC= header bytes), six or more colon-separated hex pairs:
    /// `mac-`; revealed in lower case.
    case mac

    /// The text before the base64url part.
    public var prefix: String {
        switch self {
        case .user: return "u-"
        case .uid: return "uid-"
        case .ip: return "ip-"
        case .host: return "h-"
        case .mac: return "mac-"
        }
    }

    /// The byte bound into the authenticator.
    var code: UInt8 {
        switch self {
        case .user: return 1
        case .uid: return 2
        case .ip: return 3
        case .host: return 4
        case .mac: return 5
        }
    }

    /// The kind whose prefix `text` starts with (the longest such prefix), and the prefix length.
    static func matchingPrefix(_ text: some Collection<UInt8>) -> (PseudonymKind, Int)? {
        var best: (PseudonymKind, Int)?
        for kind in allCases {
            let prefix = Array(kind.prefix.utf8)
            guard text.count > prefix.count, text.prefix(prefix.count).elementsEqual(prefix) else { continue }
            if let current = best, current.1 >= prefix.count { continue }
            best = (kind, prefix.count)
        }
        return best
    }

    /// The longest value stored: longer values (no real identifier) are cut here before sealing.
    public static let maximumValueBytes = 1024

    /// The bytes sealed for the identifier `text`, or nil when `text` is not of this kind (an IP
    /// kind value that is no address, an empty value).
    public func canonicalValue(_ text: some Collection<UInt8>) -> [UInt8]? {
        guard !text.isEmpty else { return nil }
        switch self {
        case .user, .host:
            return Array(text.prefix(Self.maximumValueBytes))
        case .uid:
            guard text.count <= 20, text.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return Array(text)
        case .ip:
            return IPAddressText.parse(text)
        case .mac:
            return Self.parseMAC(text)
        }
    }

    /// The text form of a sealed value, or nil when the bytes cannot be one of this kind.
    public func render(_ value: [UInt8]) -> [UInt8]? {
        guard !value.isEmpty else { return nil }
        switch self {
        case .user, .host, .uid: return value
        case .ip: return IPAddressText.format(value)
        case .mac:
            var text: [UInt8] = []
            let digits = Array("0123456789abcdef".utf8)
            for (index, byte) in value.enumerated() {
                if index > 0 { text.append(UInt8(ascii: ":")) }
                text.append(digits[Int(byte >> 4)])
                text.append(digits[Int(byte & 0x0F)])
            }
            return text
        }
    }

    private static func parseMAC(_ text: some Collection<UInt8>) -> [UInt8]? {
        let bytes = Array(text)
        // Six pairs or more: a MAC (6), an EUI-64 (8), netfilter's MAC= header bytes (14).
        guard bytes.count >= 17, (bytes.count + 1) % 3 == 0 else { return nil }
        var value: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let high = hexDigit(bytes[index]), let low = hexDigit(bytes[index + 1]) else { return nil }
            value.append(high << 4 | low)
            if index + 2 < bytes.count, bytes[index + 2] != UInt8(ascii: ":") { return nil }
            index += 3
        }
        return value
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x61...0x66: return byte - 0x61 + 10
        case 0x41...0x46: return byte - 0x41 + 10
        default: return nil
        }
    }
}
