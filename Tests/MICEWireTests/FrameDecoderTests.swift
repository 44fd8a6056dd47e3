// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICETestSupport
import MICEWire
import Testing

/// Feeds `stream` to a fresh decoder in the given chunk sizes and returns the frames.
private func decodeAll(_ stream: [UInt8], chunks: [Int], limit: Int = FrameDecoder.defaultMaxFrameBytes) throws -> (
    frames: [Frame], decoder: FrameDecoder
) {
    var decoder = FrameDecoder(maxFrameBytes: limit)
    var frames: [Frame] = []
    var start = 0
    var chunkIndex = 0
    while start < stream.count {
        let size = max(1, chunks[chunkIndex % chunks.count])
        chunkIndex += 1
        let end = min(stream.count, start + size)
        try stream[start..<end].withUnsafeBytes { chunk in
            try decoder.decode(chunk) { header, payload in
                frames.append(Frame(type: header.type, id: header.id, flags: header.flags, payload: Array(payload)))
            }
        }
        start = end
    }
    return (frames, decoder)
}

private func sampleFrames() -> [Frame] {
    [
        Frame(type: .hello, payload: Array(#"{"protocol":"mice-plugin","version":1,"name":"x"}"#.utf8)),
        Frame(type: .call, id: 1, payload: [0, 0, 0, 1] + Array(repeating: 0x41, count: 1688)),
        Frame(type: .call, id: 2, payload: []),
        Frame(type: .ping, id: 3),
        Frame(type: FrameType(rawValue: 4242), id: 0, payload: [1, 2, 3]),
        Frame(type: .reply, id: UInt64.max, payload: Array(repeating: 0xFF, count: 70_000)),
    ]
}

@Suite struct FrameDecoderTests {
    @Test func headerLayoutIsBigEndian() {
        let bytes = Frame(type: .call, id: 0x0102_0304_0506_0708, payload: [9, 9, 9]).encoded
        #expect(bytes.prefix(16) == [0, 0, 0, 3, 0, 4, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(bytes.count == 19)
    }

    /// The verifier of ByteToMessageDecoder, for our decoder: one byte at a time, everything in
    /// one chunk, one frame per chunk, and odd chunk sizes all give the same frames.
    @Test(arguments: [[1], [1_000_000], [3, 7, 1, 64], [16], [17], [4096], [15, 1, 2]])
    func sameFramesWhateverTheChunking(chunks: [Int]) throws {
        let frames = sampleFrames()
        let stream = frames.flatMap(\.encoded)
        let (decoded, decoder) = try decodeAll(stream, chunks: chunks)
        #expect(decoded == frames)
        #expect(!decoder.hasPartialFrame)
        #expect(decoder.offset == UInt64(stream.count))
        try decoder.finish()
    }

    @Test func oneFramePerChunk() throws {
        let frames = sampleFrames()
        let (decoded, _) = try decodeAll(frames.flatMap(\.encoded), chunks: frames.map { $0.encoded.count })
        #expect(decoded == frames)
    }

    @Test func oversizedFrameIsRejectedFromTheHeaderAlone() throws {
        // Only the 16 header bytes of a 64 MiB frame: the decoder must fail now, without waiting
        // for (or reserving room for) the payload.
        let header = FrameHeader(length: 64 << 20, type: .reply, id: 1)
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes.withUnsafeMutableBytes { header.write(to: $0) }
        var decoder = FrameDecoder(maxFrameBytes: 1 << 20)
        #expect(throws: WireError.self) { _ = try decoder.decode(bytes) }
        do {
            var second = FrameDecoder(maxFrameBytes: 1 << 20)
            _ = try second.decode(bytes.prefix(10))  // not yet a whole header: no verdict
            _ = try second.decode(bytes.suffix(6))
            Issue.record("oversized frame accepted")
        } catch {
            #expect(error.code == .frameTooLarge)
            #expect(error.offset == 0)
        }
    }

    @Test func limitIsCappedAtTheHardMaximum() {
        let decoder = FrameDecoder(maxFrameBytes: Int.max)
        #expect(decoder.maxFrameBytes == FrameDecoder.hardMaxFrameBytes)
    }

    @Test func frameAtExactlyTheLimitPasses() throws {
        var decoder = FrameDecoder(maxFrameBytes: 100)
        let frames = try decoder.decode(Frame(type: .call, id: 1, payload: Array(repeating: 7, count: 100)).encoded)
        #expect(frames.count == 1)
        #expect(throws: WireError.self) {
            _ = try decoder.decode(Frame(type: .call, id: 2, payload: Array(repeating: 7, count: 101)).encoded)
        }
    }

    @Test func nonZeroFlagsAreABadHeader() {
        var bytes = Frame(type: .call, id: 1).encoded
        bytes[7] = 1
        var decoder = FrameDecoder()
        do {
            _ = try decoder.decode(bytes)
            Issue.record("non-zero flags accepted")
        } catch {
            #expect(error.code == .badHeader)
        }
    }

    @Test(arguments: [1, 15, 16, 17, 30])
    func truncatedStreamIsReportedAtEnd(keep: Int) throws {
        let bytes = Frame(type: .call, id: 1, payload: Array(repeating: 1, count: 20)).encoded
        var decoder = FrameDecoder()
        let frames = try decoder.decode(bytes.prefix(keep))
        #expect(frames.isEmpty)
        #expect(decoder.hasPartialFrame)
        #expect(throws: WireError.self) { try decoder.finish() }
    }

    @Test func textInsteadOfFramesFailsOnTheLength() {
        var decoder = FrameDecoder()
        do {
            _ = try decoder.decode(Array("hello, I am a plugin\n".utf8))
            Issue.record("text accepted as frames")
        } catch {
            #expect(error.code == .frameTooLarge)
        }
    }

    /// Random bytes, fed whole, byte by byte, and in random chunks: the decoder either returns
    /// frames or throws a WireError; it never crashes, and all three feedings agree.
    @Test func randomBytesNeverCrash() throws {
        var generator = SplitMix64(seed: 0x4D49_4345)
        for round in 0..<300 {
            let length = Int(generator.next() % 600)
            var stream = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if round % 3 == 0, stream.count >= 4 {
                // Plausible small lengths so that some random streams do decode into frames.
                stream[0] = 0
                stream[1] = 0
                stream[2] = 0
                stream[3] = UInt8(generator.next() % 40)
                if stream.count > 7 {
                    stream[6] = 0
                    stream[7] = 0
                }
            }
            let whole = outcome(stream, chunks: [max(1, stream.count)])
            let dripped = outcome(stream, chunks: [1])
            let random = outcome(stream, chunks: [Int(generator.next() % 50) + 1, Int(generator.next() % 7) + 1])
            #expect(whole == dripped, "round \(round)")
            #expect(whole == random, "round \(round)")
        }
    }

    private func outcome(_ stream: [UInt8], chunks: [Int]) -> String {
        do {
            let (frames, decoder) = try decodeAll(stream, chunks: chunks, limit: 64)
            return "ok \(frames.map(\.encoded)) partial=\(decoder.hasPartialFrame)"
        } catch let error as WireError {
            return "error \(error.code) at \(error.offset ?? 0)"
        } catch {
            return "other \(error)"
        }
    }
}
