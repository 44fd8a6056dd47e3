// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPacket

/// Feeds a capture (file or interface) through the decoder into an ``NFREngine``, as `zeek -r`
/// does: the engine's top-level code runs first at the first packet's time (a capture's clock),
/// every packet is decoded or counted as undecodable, and at the end the recorders close and
/// queued mail goes out.
public enum NFRReplay {
    /// What a replay did.
    public struct Summary: Hashable, Sendable {
        /// Packets read from the source.
        public var packets: UInt64
        /// The decoder's counters.
        public var decoder: PacketCounters
        /// The engine's counters.
        public var engine: NFREngine.Counters
        /// Wall-clock seconds of the packet loop.
        public var seconds: Double
    }

    /// Replays `source` through `engine`, at most `limit` packets.
    public static func run(source: PcapSource, engine: NFREngine, limit: UInt64 = .max) throws -> Summary {
        var decoder = PacketDecoder(linkType: source.linkType)
        var started = false
        let clock = ContinuousClock()
        let begin = clock.now
        let packets = try source.forEachPacket(limit: limit) { header, bytes in
            if !started {
                started = true
                engine.start(time: header.time)
            }
            decoder.decode(header, bytes) { packet in
                engine.process(packet)
            }
        }
        if !started { engine.start(time: 0) }
        engine.finish()
        let elapsed = clock.now - begin
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Summary(packets: packets, decoder: decoder.counters, engine: engine.counters, seconds: seconds)
    }
}
