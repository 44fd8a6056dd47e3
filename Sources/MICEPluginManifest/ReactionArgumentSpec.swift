// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#endif

/// One argument of a reaction module (manifest `arguments[N]`): the ReactionDaemon splits a
/// request's `arg_fmt_string` at spaces and checks every token against these specs before it
/// starts the module; a request that does not match never runs anything.
public struct ReactionArgumentSpec: Hashable, Sendable {
    /// What a token may be.
    public enum ValueType: String, Hashable, Sendable, CaseIterable {
        /// An IPv4 or IPv6 address literal (inet_pton), optionally with `/prefix`.
        case address
        /// A decimal integer within `minimum`...`maximum`.
        case integer
        /// Letters, digits and `.` `_` `:` `-`, at most 255 bytes.
        case token
        /// An account name: lower-case letters, digits, `_`, `-`, starting with a letter or `_`, at most 32.
        case account
        /// One of `values`.
        case choice
    }

    /// The argument's name (documentation and error messages).
    public var name: String
    /// Its type.
    public var type: ValueType
    /// Whether the request must give it (optional arguments come last).
    public var isRequired: Bool
    /// Smallest integer accepted.
    public var minimum: Int?
    /// Largest integer accepted.
    public var maximum: Int?
    /// The accepted words of a choice.
    public var values: [String]

    /// Creates a spec.
    public init(
        name: String, type: ValueType, isRequired: Bool = true, minimum: Int? = nil, maximum: Int? = nil,
        values: [String] = []
    ) {
        self.name = name
        self.type = type
        self.isRequired = isRequired
        self.minimum = minimum
        self.maximum = maximum
        self.values = values
    }

    /// Checks one token.
    /// - Parameter token: The token from the request.
    /// - Returns: nil when it is valid, otherwise why not.
    public func problem(with token: String) -> String? {
        switch type {
        case .address:
            return Self.isAddress(token) ? nil : "\(name): not an IP address"
        case .integer:
            guard token.utf8.count <= 19, let value = Int(token) else { return "\(name): not an integer" }
            if let minimum, value < minimum { return "\(name): below \(minimum)" }
            if let maximum, value > maximum { return "\(name): above \(maximum)" }
            return nil
        case .token:
            let valid =
                !token.isEmpty && token.utf8.count <= 255
                && token.utf8.allSatisfy { Self.isAlphanumeric($0) || [46, 95, 58, 45].contains($0) }
            return valid ? nil : "\(name): not a plain token"
        case .account:
            let bytes = Array(token.utf8)
            guard let first = bytes.first, bytes.count <= 32, (97...122).contains(first) || first == 95 else {
                return "\(name): not an account name"
            }
            let valid = bytes.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 || $0 == 45 }
            return valid ? nil : "\(name): not an account name"
        case .choice:
            return values.contains(token) ? nil : "\(name): not one of \(values.joined(separator: ", "))"
        }
    }

    /// Whether `text` is an IPv4 or IPv6 literal, optionally with a `/prefix` in range.
    public static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = parts.first, address.utf8.count <= 45 else { return false }
        var v4 = in_addr()
        var v6 = in6_addr()
        let limit: Int
        if inet_pton(AF_INET, String(address), &v4) == 1 {
            limit = 32
        } else if inet_pton(AF_INET6, String(address), &v6) == 1 {
            limit = 128
        } else {
            return false
        }
        guard parts.count == 2 else { return true }
        guard parts[1].utf8.count <= 3, let prefix = Int(parts[1]) else { return false }
        return (0...limit).contains(prefix)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
    }

    /// Linux capability names and numbers (linux/capability.h).
    static let capabilities: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]

    /// The number of a capability name (`CAP_NET_ADMIN` → 12), nil when unknown.
    /// - Parameter name: The name, upper case.
    /// - Returns: The number.
    public static func capabilityNumber(_ name: String) -> Int? {
        capabilities.firstIndex(of: name)
    }
}
