// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEPacket
import MICETestSupport
import Testing

/// Random mutations of the shared captures (fixed seeds): counted, never a crash or an
/// out-of-bounds read (debug builds check every buffer access).
@Suite("Fuzzing")
struct FuzzTests {
    /// Every packet of every shared capture, with its link type.
    static func corpus() throws -> [(LinkType, [UInt8])] {
        var frames: [(LinkType, [UInt8])] = []
        for name in PacketFixtures.allCaptures {
            let source = try PcapSource(file: PacketFixtures.capture(name))
            try source.forEachPacket { _, bytes in frames.append((source.linkType, Array(bytes))) }
        }
        return frames
    }

    /// Offsets worth hitting: IP length fields, IHL, fragment fields, transport lengths.
    static let hotOffsets = [12, 13, 14, 15, 16, 17, 20, 21, 24, 25, 34, 35, 38, 39, 46, 47]

    static func mutate(_ frame: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = frame
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            case 1 where !bytes.isEmpty:
                bytes.removeLast(Int.random(in: 0...bytes.count, using: &random))
            case 2:
                let offset = hotOffsets.randomElement(using: &random)!
                if offset < bytes.count { bytes[offset] = UInt8.random(in: 0...255, using: &random) }
            case 3 where bytes.count > 14:
                let offset = Int.random(in: 14..<bytes.count, using: &random)
                bytes[offset] ^= 1 << UInt8.random(in: 0..<8, using: &random)
            default:
                bytes += random.bytes(Int.random(in: 0...16, using: &random))
            }
        }
        return bytes
    }

    @Test("5,000 mutated packets: every one counted once, every delivered range inside its buffer")
    func mutatedPackets() throws {
        let frames = try Self.corpus()
        #expect(frames.count == 289)
        var random = SplitMix64(seed: 0x4D49_4345)
        var decoders: [LinkType: PacketDecoder] = [:]
        var delivered = 0
        for iteration in 0..<5000 {
            let (linkType, frame) = frames[Int.random(in: 0..<frames.count, using: &random)]
            let mutated = Self.mutate(frame, using: &random)
            var decoder = decoders[linkType] ?? PacketDecoder(linkType: linkType)
            // An exactly sized allocation, so a read past the end would leave the buffer.
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: mutated.count, alignment: 1)
            defer { buffer.deallocate() }
            buffer.copyMemory(from: mutated.withUnsafeBytes { $0 })
            let header = PcapPacketHeader(
                seconds: Int64(iteration), nanoseconds: 0, capturedLength: mutated.count, originalLength: frame.count)
            decoder.decode(header, UnsafeRawBufferPointer(buffer)) { packet in
                delivered += 1
                let count = packet.bytes.count
                #expect(packet.ipPayloadRange.lowerBound >= 0 && packet.ipPayloadRange.upperBound <= count)
                #expect(packet.payloadRange.lowerBound >= packet.ipPayloadRange.lowerBound)
                #expect(packet.payloadRange.upperBound <= packet.ipPayloadRange.upperBound)
                #expect(packet.networkOffset <= packet.ipPayloadRange.lowerBound)
                _ = packet.ipBlob.reduce(0, &+)
                _ = packet.payload.reduce(0, &+)
            }
            decoders[linkType] = decoder
        }
        var total: UInt64 = 0
        var undecodable: UInt64 = 0
        for decoder in decoders.values {
            #expect(decoder.counters.isBalanced, "\(decoder.counters)")
            total += decoder.counters.total
            undecodable += decoder.counters.undecodableTotal
        }
        #expect(total == 5000)
        #expect(undecodable > 500)
        #expect(delivered > 1000)
    }

    @Test("300 mutated capture files: libpcap's errors are PacketErrors, the packets read are counted")
    func mutatedFiles() throws {
        let scratch = try PacketFixtures.scratch("fuzzfiles")
        defer { scratch.remove() }
        let originals = try PacketFixtures.allCaptures.map {
            try [UInt8](Data(contentsOf: URL(fileURLWithPath: PacketFixtures.capture($0))))
        }
        var random = SplitMix64(seed: 2003)
        var readErrors = 0
        var packetsRead: UInt64 = 0
        for iteration in 0..<300 {
            var file = originals[iteration % originals.count]
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let offset = Int.random(in: 24..<file.count, using: &random)
                file[offset] = UInt8.random(in: 0...255, using: &random)
            }
            if iteration % 4 == 0 { file.removeLast(Int.random(in: 0..<(file.count - 24), using: &random)) }
            let path = scratch.path + "/fuzz.pcap"
            try Data(file).write(to: URL(fileURLWithPath: path))
            let source: PcapSource
            do {
                source = try PcapSource(file: path)
            } catch {
                continue
            }
            var decoder = PacketDecoder(linkType: source.linkType)
            do {
                try source.forEachPacket { header, bytes in
                    #expect(bytes.count == header.capturedLength)
                    decoder.decode(header, bytes) { _ in }
                }
            } catch let error as PacketError {
                #expect(error.code == .readFailed)
                #expect(error.packetNumber == source.packetsRead + 1)
                readErrors += 1
            }
            #expect(decoder.counters.isBalanced)
            #expect(decoder.counters.total == source.packetsRead)
            packetsRead += source.packetsRead
        }
        #expect(readErrors > 50)
        #expect(packetsRead > 1000)
    }
}
