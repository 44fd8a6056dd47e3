// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation

/// Two network namespaces joined by a veth pair, for tests and benchmarks that change firewall
/// rules: `host` (where the ReactionDaemon runs and its nftables rules apply) and `peer` (the
/// address that gets blocked). IPv4 10.77.N.1/.2 and IPv6 fd77:N::1/::2. Needs root and iproute2.
public final class NetworkNamespacePair: Sendable {
    /// The host namespace's name (`ip netns`).
    public let host: String
    /// The peer namespace's name.
    public let peer: String
    /// The host side's IPv4 address.
    public let hostAddress: String
    /// The peer side's IPv4 address.
    public let peerAddress: String
    /// A second IPv4 address of the peer (a blocked alert source while the peer's main address
    /// keeps talking to the daemon).
    public let peerAlias: String
    /// The host side's IPv6 address.
    public let hostAddress6: String
    /// The peer side's IPv6 address.
    public let peerAddress6: String

    /// Creates the namespaces, the veth pair and the addresses; loopback is up in both.
    /// - Parameter tag: A short unique word (letters and digits) for the names.
    /// - Throws: ``BenchmarkError`` naming the `ip` command that failed.
    public init(tag: String) throws {
        let subnet = Int(getpid() % 200) + 20
        host = "mice-\(tag)-h"
        peer = "mice-\(tag)-p"
        hostAddress = "10.77.\(subnet).1"
        peerAddress = "10.77.\(subnet).2"
        peerAlias = "10.77.\(subnet).3"
        hostAddress6 = "fd77:\(subnet)::1"
        peerAddress6 = "fd77:\(subnet)::2"
        Self.remove(host)
        Self.remove(peer)
        let hostLink = "mh\(getpid() % 100_000)"
        let peerLink = "mp\(getpid() % 100_000)"
        let steps: [[String]] = [
            ["netns", "add", host], ["netns", "add", peer],
            ["link", "add", hostLink, "netns", host, "type", "veth", "peer", "name", peerLink, "netns", peer],
            ["-n", host, "link", "set", "lo", "up"], ["-n", peer, "link", "set", "lo", "up"],
            ["-n", host, "addr", "add", hostAddress + "/24", "dev", hostLink],
            ["-n", peer, "addr", "add", peerAddress + "/24", "dev", peerLink],
            ["-n", peer, "addr", "add", peerAlias + "/24", "dev", peerLink],
            ["-n", host, "-6", "addr", "add", hostAddress6 + "/64", "dev", hostLink, "nodad"],
            ["-n", peer, "-6", "addr", "add", peerAddress6 + "/64", "dev", peerLink, "nodad"],
            ["-n", host, "link", "set", hostLink, "up"], ["-n", peer, "link", "set", peerLink, "up"],
        ]
        for step in steps {
            let (status, output) = Self.run("/usr/sbin/ip", step)
            guard status == 0 else {
                Self.remove(host)
                Self.remove(peer)
                throw BenchmarkError("ip \(step.joined(separator: " ")) failed (\(status)): \(output)")
            }
        }
    }

    /// Whether this machine can make network namespaces (root, iproute2); nil when it can,
    /// otherwise the reason.
    public static var unavailableReason: String? {
        if getuid() != 0 { return "not running as root" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") { return "iproute2 (/usr/sbin/ip) is missing" }
        let probe = "mice-probe-\(getpid())"
        let (status, output) = run("/usr/sbin/ip", ["netns", "add", probe])
        remove(probe)
        return status == 0 ? nil : "ip netns add failed: \(output)"
    }

    /// Runs a program inside one of the namespaces (`ip netns exec`).
    /// - Returns: The exit status and the combined output.
    @discardableResult
    public func run(in namespace: String, _ program: String, _ arguments: [String]) -> (Int32, String) {
        Self.run("/usr/sbin/ip", ["netns", "exec", namespace, program] + arguments)
    }

    /// Whether one ping from the peer reaches the host address within a second.
    /// - Parameters:
    ///   - ipv6: Ping the IPv6 address.
    ///   - source: The source address (`ping -I`), nil for the default.
    public func peerCanPing(ipv6: Bool = false, from source: String? = nil) -> Bool {
        let interface = source.map { ["-I", $0] } ?? []
        return run(in: peer, "/usr/bin/ping", ["-c", "1", "-W", "1"] + interface + [ipv6 ? hostAddress6 : hostAddress])
            .0 == 0
    }

    /// Deletes both namespaces (and with them the veth pair and every rule in them).
    public func destroy() {
        Self.remove(host)
        Self.remove(peer)
    }

    private static func remove(_ name: String) {
        guard FileManager.default.fileExists(atPath: "/var/run/netns/\(name)") else { return }
        // Processes still inside would keep it alive: end them first.
        let (_, pids) = run("/usr/sbin/ip", ["netns", "pids", name])
        for pid in pids.split(whereSeparator: \.isNewline).compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
        _ = run("/usr/sbin/ip", ["netns", "del", name])
    }

    static func run(_ program: String, _ arguments: [String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return (-1, "\(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
