// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#endif

/// IPv4 and IPv6 addresses between text and their 4 or 16 bytes.
public enum IPAddressText {
    /// The address bytes of `text`: dotted IPv4 (leading zeros read as decimal, "010.1.2.3" is
    /// 10.1.2.3) or IPv6 as `inet_pton` reads it (with an IPv4 tail, no zone index); nil otherwise.
    public static func parse(_ text: some Collection<UInt8>) -> [UInt8]? {
        let bytes = Array(text)
        if let v4 = parseIPv4(bytes) { return v4 }
        guard bytes.count >= 2, bytes.count <= 45, bytes.contains(UInt8(ascii: ":")) else { return nil }
        var address = in6_addr()
        let parsed = (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { inet_pton(AF_INET6, $0.baseAddress, &address) }
        }
        guard parsed == 1 else { return nil }
        return withUnsafeBytes(of: address) { Array($0) }
    }

    /// The canonical text of 4 or 16 address bytes; nil for another count.
    public static func format(_ address: [UInt8]) -> [UInt8]? {
        switch address.count {
        case 4:
            return Array(address.map(String.init).joined(separator: ".").utf8)
        case 16:
            var raw = in6_addr()
            withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: address) }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count)) != nil else { return nil }
            return text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        default:
            return nil
        }
    }

    private static func parseIPv4(_ bytes: [UInt8]) -> [UInt8]? {
        var address: [UInt8] = []
        var value = 0
        var digits = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, address.count < 3 else { return nil }
                address.append(UInt8(value))
                value = 0
                digits = 0
            } else if byte >= 0x30, byte <= 0x39 {
                digits += 1
                value = value * 10 + Int(byte - 0x30)
                guard digits <= 3, value <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, address.count == 3 else { return nil }
        address.append(UInt8(value))
        return address
    }
}
