// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A key of an N-Code array: an int, a string, a host or a network.
public enum NCodeKey: Hashable, Sendable, Comparable {
    case int(Int)
    case string([UInt8])
    case host(UInt32)
    case network(address: UInt32, mask: UInt32)

    /// The key for `value`, or nil when the value cannot key an array (null, list, error ...).
    public init?(_ value: NCodeValue) {
        switch value {
        case .int(let value): self = .int(value)
        case .string(let bytes): self = .string(bytes)
        case .host(let host): self = .host(host)
        case .network(let address, let mask): self = .network(address: address, mask: mask)
        default: return nil
        }
    }

    /// The key as a value.
    public var value: NCodeValue {
        switch self {
        case .int(let value): return .int(value)
        case .string(let bytes): return .string(bytes)
        case .host(let host): return .host(host)
        case .network(let address, let mask): return .network(address: address, mask: mask)
        }
    }

    public static func < (lhs: NCodeKey, rhs: NCodeKey) -> Bool {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a < b
        case (.string(let a), .string(let b)): return a.lexicographicallyPrecedes(b)
        case (.host(let a), .host(let b)): return a < b
        case (.network(let a, let m), .network(let b, let n)): return (a, m) < (b, n)
        default: return lhs.rank < rhs.rank
        }
    }

    private var rank: Int {
        switch self {
        case .int: return 0
        case .host: return 1
        case .network: return 2
        case .string: return 3
        }
    }
}
