// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEPluginKit
import MICEReactionKit

/// Blocks an IPv4 or IPv6 address (or prefix) for a time, with nftables: a table of its own
/// (`inet mice` by default), two sets with timeout elements (`blocked4`, `blocked6`) and an input
/// chain that drops their sources, so the block ends by itself when the element times out. When
/// `nft` is missing, ipset (`hash:net` with timeout) plus an iptables/ip6tables DROP rule do the
/// same. Arguments: `ADDRESS [SECONDS]`. `nft`, `ipset` and `iptables` are run with an argv,
/// never through a shell.
@main
struct BlockReaction: PluginModule {
    static let pluginName = "mice-rct-block"

    let dryRun: Bool
    let table: String
    let defaultSeconds: Int64
    let nft: String
    let ipset: String
    let iptables: String
    let ip6tables: String
    var prepared = false

    init(context: PluginContext) throws {
        dryRun = try context.bool("dryRun", default: false)
        table = try context.string("table", default: "mice") ?? "mice"
        guard !table.isEmpty, table.utf8.allSatisfy({ (97...122).contains($0) || $0 == 95 }) else {
            throw PluginConfigError(key: "table", "lower-case letters and _ only")
        }
        defaultSeconds = try context.integer("defaultSeconds", default: 300)
        nft = try context.string("nft", default: "/usr/sbin/nft") ?? "/usr/sbin/nft"
        ipset = try context.string("ipset", default: "/usr/sbin/ipset") ?? "/usr/sbin/ipset"
        iptables = try context.string("iptables", default: "/usr/sbin/iptables") ?? "/usr/sbin/iptables"
        ip6tables = try context.string("ip6tables", default: "/usr/sbin/ip6tables") ?? "/usr/sbin/ip6tables"
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        let tokens = ReactionReport.tokens(input.data)
        guard let address = tokens.first else {
            throw PluginCallError(code: PluginErrorCode.badCall, "an address is required")
        }
        let seconds = tokens.count > 1 ? Int64(tokens[1]) ?? defaultSeconds : defaultSeconds
        let isV6 = address.contains(":")
        let expires = Int64(Date().timeIntervalSince1970) + seconds
        let useNft = access(nft, X_OK) == 0
        let backend = useNft ? "nftables inet \(table)" : "ipset/iptables"
        if dryRun {
            let report = ReactionReport(
                key: "block:\(address)", summary: "dry-run: would block \(address) for \(seconds) s (\(backend))",
                expiresAt: expires, dryRun: true)
            reply += report.encoded
            return 0
        }
        let outcome =
            useNft ? blockWithNft(address, seconds: seconds, isV6: isV6) : blockWithIpset(address, seconds, isV6)
        guard outcome.succeeded else {
            PluginLog.error("blocking \(address) failed: \(outcome.output)")
            reply += ReactionReport(key: nil, summary: "blocking \(address) failed", dryRun: false).encoded
            return 1
        }
        reply +=
            ReactionReport(
                key: "block:\(address)", summary: "blocked \(address) for \(seconds) s (\(backend))",
                expiresAt: expires,
                dryRun: false
            ).encoded
        return 0
    }

    private mutating func blockWithNft(_ address: String, seconds: Int64, isV6: Bool) -> ProgramRunner.Result {
        let set = isV6 ? "blocked6" : "blocked4"
        let element = ["{", address, "timeout", "\(seconds)s", "}"]
        // A block of the same address again restarts its time: delete (may fail: absent), add.
        _ = ProgramRunner.run(nft, ["delete", "element", "inet", table, set, "{", address, "}"])
        var result = ProgramRunner.run(nft, ["add", "element", "inet", table, set] + element)
        if !result.succeeded {
            let setup = prepareNft()
            guard setup.succeeded else { return setup }
            result = ProgramRunner.run(nft, ["add", "element", "inet", table, set] + element)
        }
        return result
    }

    private func prepareNft() -> ProgramRunner.Result {
        let steps: [[String]] = [
            ["add", "table", "inet", table],
            [
                "add", "set", "inet", table, "blocked4", "{", "type", "ipv4_addr", ";", "flags", "interval,", "timeout",
                ";", "}",
            ],
            [
                "add", "set", "inet", table, "blocked6", "{", "type", "ipv6_addr", ";", "flags", "interval,", "timeout",
                ";", "}",
            ],
            [
                "add", "chain", "inet", table, "input", "{", "type", "filter", "hook", "input", "priority", "-10", ";",
                "policy", "accept", ";", "}",
            ],
            ["flush", "chain", "inet", table, "input"],
            ["add", "rule", "inet", table, "input", "ip", "saddr", "@blocked4", "drop"],
            ["add", "rule", "inet", table, "input", "ip6", "saddr", "@blocked6", "drop"],
        ]
        for step in steps {
            let result = ProgramRunner.run(nft, step)
            if !result.succeeded { return result }
        }
        return ProgramRunner.Result(status: 0, output: "")
    }

    private func blockWithIpset(_ address: String, _ seconds: Int64, _ isV6: Bool) -> ProgramRunner.Result {
        let set = "\(table)\(isV6 ? "6" : "4")"
        let family = isV6 ? "inet6" : "inet"
        let firewall = isV6 ? ip6tables : iptables
        let create = ProgramRunner.run(ipset, ["create", set, "hash:net", "family", family, "timeout", "0", "-exist"])
        guard create.succeeded else { return create }
        let rule = ["INPUT", "-m", "set", "--match-set", set, "src", "-j", "DROP"]
        if !ProgramRunner.run(firewall, ["-C"] + rule).succeeded {
            let insert = ProgramRunner.run(firewall, ["-I"] + rule)
            guard insert.succeeded else { return insert }
        }
        return ProgramRunner.run(ipset, ["add", set, address, "timeout", String(seconds), "-exist"])
    }
}
