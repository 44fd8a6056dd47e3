// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEPacket
import MICETestSupport
import Testing

/// IPv4Reassembler through the decoder: order, overlaps (first wins), contradictions, limits, time.
@Suite("IPv4 reassembly")
struct ReassemblyTests {
    static let source = IPv4Address(172, 16, 0, 9)
    static let destination = IPv4Address(172, 16, 0, 1)
    static let builder = PacketBuilder(linkType: .raw)

    /// Feeds raw IPv4 frames to one decoder at the given packet times (seconds).
    static func feed(
        _ frames: [[UInt8]], times: [Int64]? = nil, limits: IPv4Reassembler.Limits = IPv4Reassembler.Limits()
    ) -> (packets: [PacketSummary], decoder: PacketDecoder) {
        var decoder = PacketDecoder(linkType: .raw, reassembly: limits)
        var packets: [PacketSummary] = []
        for (index, frame) in frames.enumerated() {
            frame.withUnsafeBytes { bytes in
                let header = PcapPacketHeader(
                    seconds: times?[index] ?? 100, nanoseconds: UInt32(index), capturedLength: frame.count,
                    originalLength: frame.count)
                decoder.decode(header, bytes) { packets.append(PacketSummary($0)) }
            }
        }
        #expect(decoder.counters.isBalanced)
        return (packets, decoder)
    }

    /// A fragment carrying `payload` at byte `offset`.
    static func fragment(id: UInt16, offset: Int, more: Bool, payload: [UInt8], protocolNumber: UInt8 = 253) -> [UInt8]
    {
        builder.ipv4(
            protocolNumber: protocolNumber, from: source, to: destination, ipID: id, flags: more ? 1 : 0,
            fragmentOffset: UInt16(offset / 8), payload: payload)
    }

    @Test("a UDP datagram in five fragments, in any order, comes out whole and decoded")
    func anyOrder() {
        var random = SplitMix64(seed: 99)
        let payload = random.bytes(100)
        let datagram = Self.builder.udp(
            from: Self.source, sourcePort: 5000, to: Self.destination, destinationPort: 6000, ipID: 4242,
            payload: payload)
        let pieces = Self.builder.fragments(of: datagram, maxPayload: 24)
        #expect(pieces.count == 5)
        for order in [Array(0..<5), [4, 3, 2, 1, 0], [2, 0, 4, 1, 3]] {
            let (packets, decoder) = Self.feed(order.map { pieces[$0] })
            #expect(packets.count == 6)
            #expect(packets.prefix(5).allSatisfy { $0.transport == .fragment })
            let whole = packets[5]
            #expect(whole.isReassembled)
            #expect(whole.udp?.sourcePort == 5000)
            #expect(whole.udp?.destinationPort == 6000)
            #expect(whole.payload == payload)
            #expect(whole.ipBlob == Array(datagram[20...]))
            #expect(whole.ipv4?.identification == 4242)
            #expect(whole.ipv4?.totalLength == UInt16(datagram.count))
            #expect(whole.nanoseconds == 4)
            #expect(decoder.counters.fragments == 5)
            #expect(decoder.counters.reassembled == 1)
            #expect(decoder.counters.udp == 1)
            #expect(decoder.reassembler?.datagramsInFlight == 0)
            #expect(decoder.reassembler?.bufferedBytes == 0)
        }
    }

    @Test("the reassembled header has a correct checksum, no fragment bits, and the first fragment's options")
    func reassembledHeader() throws {
        let datagram = Self.builder.udp(
            from: Self.source, sourcePort: 1, to: Self.destination, destinationPort: 2, ipID: 9,
            payload: [UInt8](repeating: 7, count: 40))
        let pieces = Self.builder.fragments(of: datagram, maxPayload: 16)
        var reassembler = IPv4Reassembler()
        var outcomes: [IPv4Reassembler.Outcome] = []
        for piece in pieces {
            guard
                case .packet(let packet) = piece.withUnsafeBytes({ bytes in
                    PacketDecoder.decodeFrame(
                        bytes,
                        header: PcapPacketHeader(
                            seconds: 0, nanoseconds: 0, capturedLength: piece.count, originalLength: piece.count),
                        linkType: .raw)
                })
            else {
                Issue.record("fragment did not decode")
                return
            }
            outcomes.append(piece.withUnsafeBytes { reassembler.add(packet.ipv4!, datagram: $0, time: 0) })
        }
        #expect(outcomes == [.incomplete, .incomplete, .completed])
        let whole = reassembler.withCompletedDatagram { Array($0) }
        #expect(whole == datagram)
        #expect(reassembler.statistics.completed == 1)
        #expect(reassembler.statistics.fragments == 3)
    }

    @Test("overlapping fragments: the first copy of each byte wins, and the overlap is counted")
    func overlapFirstWins() {
        let first = Self.fragment(id: 1, offset: 0, more: true, payload: [UInt8](repeating: 0xAA, count: 16))
        let second = Self.fragment(id: 1, offset: 8, more: false, payload: [UInt8](repeating: 0xBB, count: 16))
        let (packets, decoder) = Self.feed([first, second])
        let whole = packets.last
        #expect(whole?.isReassembled == true)
        #expect(whole?.ipBlob == [UInt8](repeating: 0xAA, count: 16) + [UInt8](repeating: 0xBB, count: 8))
        #expect(decoder.counters.fragmentOverlapBytes == 8)

        // The same fragments the other way round: the B bytes came first and stay.
        let (reversed, reversedDecoder) = Self.feed([second, first])
        #expect(reversed.last?.ipBlob == [UInt8](repeating: 0xAA, count: 8) + [UInt8](repeating: 0xBB, count: 16))
        #expect(reversedDecoder.counters.fragmentOverlapBytes == 8)

        // A duplicate fragment changes nothing.
        let (duplicated, duplicatedDecoder) = Self.feed([first, first, second])
        #expect(duplicated.last?.ipBlob == whole?.ipBlob)
        #expect(duplicatedDecoder.counters.fragmentOverlapBytes == 16 + 8)
        #expect(duplicatedDecoder.counters.reassembled == 1)
    }

    @Test("fragments that contradict the datagram's end drop the datagram")
    func contradictions() {
        let head = Self.fragment(id: 2, offset: 0, more: true, payload: [UInt8](repeating: 1, count: 16))
        let tail = Self.fragment(id: 2, offset: 16, more: false, payload: [UInt8](repeating: 2, count: 8))
        let otherTail = Self.fragment(id: 2, offset: 8, more: false, payload: [UInt8](repeating: 3, count: 8))
        let beyond = Self.fragment(id: 2, offset: 32, more: true, payload: [UInt8](repeating: 4, count: 8))
        let (_, first) = Self.feed([tail, otherTail, head])
        #expect(first.counters.reassembled == 0)
        #expect(first.counters.reassemblyRejected == 1)
        let (_, second) = Self.feed([tail, beyond])
        #expect(second.counters.reassemblyRejected == 1)
        #expect(second.reassembler?.datagramsInFlight == 0)
        let (_, third) = Self.feed([beyond, tail])
        #expect(third.counters.reassemblyRejected == 1)
    }

    @Test("a datagram incomplete after the timeout (packet time) is dropped")
    func timeout() {
        let head = Self.fragment(id: 3, offset: 0, more: true, payload: [UInt8](repeating: 1, count: 16))
        let tail = Self.fragment(id: 3, offset: 16, more: false, payload: [UInt8](repeating: 2, count: 8))
        let limits = IPv4Reassembler.Limits(timeoutSeconds: 30)
        let (late, lateDecoder) = Self.feed([head, tail], times: [100, 131], limits: limits)
        #expect(late.count == 2)
        #expect(lateDecoder.counters.reassemblyTimeouts == 1)
        #expect(lateDecoder.counters.reassembled == 0)
        #expect(lateDecoder.reassembler?.datagramsInFlight == 1)
        let (inTime, inTimeDecoder) = Self.feed([head, tail], times: [100, 129], limits: limits)
        #expect(inTime.count == 3)
        #expect(inTimeDecoder.counters.reassemblyTimeouts == 0)
    }

    @Test("memory stays bounded: the oldest datagrams are evicted past the datagram and byte limits")
    func limits() {
        let heads = (0..<10).map {
            Self.fragment(id: UInt16($0), offset: 0, more: true, payload: [UInt8](repeating: 1, count: 64))
        }
        let (_, decoder) = Self.feed(heads, limits: IPv4Reassembler.Limits(maxDatagrams: 4))
        #expect(decoder.reassembler?.datagramsInFlight == 4)
        #expect(decoder.counters.reassemblyEvictions == 6)
        // The survivors are the newest four: completing id 9 works, id 0 does not.
        let tail9 = Self.fragment(id: 9, offset: 64, more: false, payload: [1])
        let tail0 = Self.fragment(id: 0, offset: 64, more: false, payload: [1])
        let (packets, again) = Self.feed(heads + [tail9, tail0], limits: IPv4Reassembler.Limits(maxDatagrams: 4))
        #expect(packets.filter(\.isReassembled).map { $0.ipv4!.identification } == [9])
        #expect(again.counters.reassembled == 1)

        // Far fragments make 64 KiB buffers: a byte limit of 200,000 holds at most three.
        let far = (0..<8).map {
            Self.fragment(id: UInt16(100 + $0), offset: 65_000, more: true, payload: [UInt8](repeating: 2, count: 8))
        }
        let (_, bytesDecoder) = Self.feed(far, limits: IPv4Reassembler.Limits(maxBytes: 200_000))
        let reassembler = bytesDecoder.reassembler!
        #expect(reassembler.bufferedBytes <= 200_000)
        #expect(reassembler.datagramsInFlight == 3)
        #expect(bytesDecoder.counters.reassemblyEvictions == 5)
    }

    @Test("a datagram in more fragments than the limit is dropped")
    func tooManyFragments() {
        let pieces = (0..<300).map {
            Self.fragment(
                id: 6, offset: $0 * 8, more: $0 < 299, payload: [UInt8](repeating: UInt8($0 & 0xFF), count: 8))
        }
        let (packets, decoder) = Self.feed(pieces.reversed())
        #expect(packets.count == 300)
        #expect(decoder.counters.reassembled == 0)
        #expect(decoder.counters.reassemblyRejected >= 1)
        let (whole, wholeDecoder) = Self.feed(
            pieces.reversed(), limits: IPv4Reassembler.Limits(maxFragmentsPerDatagram: 300))
        #expect(whole.last?.isReassembled == true)
        #expect(whole.last?.ipBlob.count == 2400)
        #expect(wholeDecoder.counters.reassembled == 1)
    }

    @Test("fragments cut by the snap length are delivered but not reassembled")
    func snappedFragment() {
        let head = Self.fragment(id: 5, offset: 0, more: true, payload: [UInt8](repeating: 1, count: 16))
        let (packets, decoder) = Self.feed([Array(head.prefix(30))])
        #expect(packets.count == 1)
        #expect(packets.first?.ipBlob.count == 10)
        #expect(decoder.counters.reassemblyRejected == 1)
        #expect(decoder.reassembler?.datagramsInFlight == 0)
    }
}
