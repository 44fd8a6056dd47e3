// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginKit
import MICERecords

/// What a format module writes into every record about the host that read the line: `cHost`,
/// `cDomain`, `cIP`, `cOSystem`, `cRelease`, `cVersion`.
public struct HostIdentity: Hashable, Sendable {
    /// Short host name.
    public var host: String
    /// DNS domain (the original DOMAINNAME, often with a leading dot).
    public var domain: String
    /// Dotted IPv4 address of host.domain, or "ERROR".
    public var ipAddress: String
    /// `uname` fields.
    public var system: SystemIdentity

    /// Creates an identity from given values.
    public init(host: String, domain: String, ipAddress: String, system: SystemIdentity) {
        self.host = host
        self.domain = domain
        self.ipAddress = ipAddress
        self.system = system
    }

    /// Reads the format modules' options: `domain` (default ""), `host` (default `gethostname()`)
    /// and `ip` (default: host.domain resolved once now, "ERROR" when that fails).
    ///
    /// Unlike the original, the address is resolved once at start, not per line, and a domain's
    /// leading dot does not end up as ".." in the name resolved.
    /// - Parameter context: The CONFIGURE context.
    /// - Throws: ``PluginConfigError`` naming a key of the wrong type.
    public init(context: PluginContext) throws {
        let domain = try context.string("domain", default: "") ?? ""
        let system = SystemIdentity.current()
        let host = try context.string("host", default: nil) ?? system.host
        let bareDomain = domain.hasPrefix(".") ? String(domain.dropFirst()) : domain
        let qualified = bareDomain.isEmpty ? host : "\(host).\(bareDomain)"
        let address = try context.string("ip", default: nil) ?? SystemIdentity.resolveIPv4(qualified) ?? "ERROR"
        self.init(host: host, domain: domain, ipAddress: address, system: system)
    }

    /// A record holding only these fields.
    public var template: LogFormat {
        LogFormat(
            host: Array(host.utf8),
            domain: Array(domain.utf8),
            ipAddress: Array(ipAddress.utf8),
            operatingSystem: Array(system.sysname.utf8),
            release: Array(system.release.utf8),
            version: Array(system.version.utf8)
        )
    }
}
