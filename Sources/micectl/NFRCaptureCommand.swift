// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import MICENFR

/// `micectl nfr capture FILE`: writes the captures the seed example and the benchmark run on.
struct NFRCaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Write the seed example's capture (default) or a benchmark capture (--packets N) to a pcap file.",
        discussion: """
            The seed capture has the attacker's pings and telnet SYNs to the broadcast addresses at \
            the times of the seed's sample output (Thu Apr 30 1998 UTC), the same from excepted hosts, \
            and ordinary traffic.
            """
    )

    @Argument(help: "The pcap file to write.")
    var file: String

    @Option(name: .long, help: "Write a benchmark capture of this many packets instead.")
    var packets: Int?

    func run() throws {
        if let packets {
            guard packets > 0 else { throw ValidationError("--packets must be positive") }
            try SeedCapture.writeBenchmark(to: file, count: packets)
        } else {
            try SeedCapture.write(to: file)
        }
    }
}
