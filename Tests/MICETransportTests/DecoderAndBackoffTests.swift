// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICETransport
import MICEWire
import NIOCore
import NIOEmbedded
import Testing

@Suite("NIO decoders and reconnect backoff")
struct DecoderAndBackoffTests {
    private func frames() -> [Frame] {
        [
            ControlCoding.frame(.linkHello, LinkHelloMessage(link: "rawlogdb", sender: "s1", recordSize: 40)),
            Frame(type: .record, id: 1, payload: makeRecord(id: 1, size: 40)),
            Frame(type: .record, id: 2, payload: makeRecord(id: 2, size: 40)),
            Frame(type: .ack, id: 2),
        ]
    }

    /// Feeds `bytes` in chunks of `chunk` bytes and returns what the decoder fired.
    private func decode<D: ByteToMessageDecoder>(_ bytes: [UInt8], chunk: Int, decoder: D) throws -> [Frame]
    where D.InboundOut == Frame {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(decoder))
        var output: [Frame] = []
        var rest = bytes[...]
        while !rest.isEmpty {
            try channel.writeInbound(ByteBuffer(bytes: rest.prefix(chunk)))
            rest = rest.dropFirst(chunk)
            while let frame = try channel.readInbound(as: Frame.self) { output.append(frame) }
        }
        _ = try channel.finish()
        while let frame = try channel.readInbound(as: Frame.self) { output.append(frame) }
        return output
    }

    @Test(
        "FrameDecoder.NIODecoder: one byte at a time, odd chunks, all at once give the same frames",
        arguments: [1, 7, 16, 17, 1000])
    func frameDecoderChunking(chunk: Int) throws {
        let expected = frames()
        let bytes = expected.flatMap(\.encoded)
        #expect(try decode(bytes, chunk: chunk, decoder: FrameDecoder.NIODecoder(maxFrameBytes: 1024)) == expected)
    }

    @Test("FrameDecoder.NIODecoder rejects an oversized header before its payload arrives")
    func frameDecoderOversized() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder.NIODecoder(maxFrameBytes: 64)))
        let header = Frame(type: .record, id: 1, payload: [UInt8](repeating: 0, count: 65)).encoded.prefix(16)
        #expect(throws: WireError.self) { try channel.writeInbound(ByteBuffer(bytes: header)) }
        _ = try? channel.finish()
    }

    @Test(
        "FixedRecordDecoder: records of one size whatever the chunking; a short tail is counted",
        arguments: [1, 5, 39, 41, 400])
    func fixedRecordChunking(chunk: Int) throws {
        let records = (1...5).map { makeRecord(id: $0, size: 40) }
        let counters = FixedRecordDecoder.Counters()
        let output = try decode(
            records.flatMap { $0 } + [1, 2, 3], chunk: chunk,
            decoder: FixedRecordDecoder(recordSize: 40, counters: counters))
        #expect(output.map(\.payload) == records)
        #expect(output.allSatisfy { $0.type == .record && $0.id == 0 })
        #expect(counters.shortRecordsDropped == 1)
        #expect(counters.shortRecordBytes == 3)
    }

    @Test("backoff grows exponentially with jitter up to the cap and starts over after reset")
    func backoff() {
        var backoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(2), multiplier: 2)
        var delays: [Duration] = []
        for _ in 0..<8 { delays.append(backoff.nextDelay()) }
        // Attempt n lies in [d/2, d] with d = min(100 ms × 2ⁿ, 2 s).
        for (attempt, delay) in delays.enumerated() {
            let ceiling = min(Duration.milliseconds(100 * (1 << attempt)), .seconds(2))
            #expect(delay >= ceiling / 2 && delay <= ceiling, "attempt \(attempt): \(delay)")
        }
        #expect(delays.last! >= .seconds(1))
        #expect(backoff.failedAttempts == 8)
        backoff.reset()
        #expect(backoff.nextDelay() <= .milliseconds(100))
    }
}
