// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Splits a byte stream into frames, whatever the chunking of the stream.
///
/// The one frame decoder of the project: it serves module pipes and daemon sockets alike. It is
/// pure (no I/O): feed it the chunks a `read` returned and it hands back every complete frame.
///
/// How it works: bytes of an incomplete frame are kept in an internal buffer, and nothing is
/// consumed until a frame is complete (the `readLengthPrefixedSlice` rule). A header's length is
/// checked against `maxFrameBytes` as soon as the 16 header bytes are there, before any memory is
/// reserved for the payload, so a hostile length costs nothing. When the internal buffer is empty,
/// ``decode(_:_:)`` parses frames straight out of the caller's chunk without copying them: that is
/// the hot path when a peer batches many frames into one write.
///
/// After a ``WireError`` the stream is out of sync; the connection must be closed.
public struct FrameDecoder: Sendable {
    /// Default limit on a payload: 1 MiB.
    public static let defaultMaxFrameBytes = 1 << 20
    /// No negotiation may raise the limit above 16 MiB.
    public static let hardMaxFrameBytes = 16 << 20

    /// The largest payload accepted; larger announced lengths fail with ``WireError/Code/frameTooLarge``.
    public var maxFrameBytes: Int {
        didSet { maxFrameBytes = min(max(maxFrameBytes, 0), FrameDecoder.hardMaxFrameBytes) }
    }

    private var pending: [UInt8] = []
    /// Stream offset of the first byte not yet returned as part of a frame.
    public private(set) var offset: UInt64 = 0

    public init(maxFrameBytes: Int = FrameDecoder.defaultMaxFrameBytes) {
        self.maxFrameBytes = min(max(maxFrameBytes, 0), FrameDecoder.hardMaxFrameBytes)
    }

    /// True when bytes of an incomplete frame are buffered.
    public var hasPartialFrame: Bool { !pending.isEmpty }

    /// The number of buffered bytes of the incomplete frame.
    public var bufferedByteCount: Int { pending.count }

    /// Feeds `chunk` and calls `body` with the header and payload of every frame that is complete.
    ///
    /// The payload buffer is only valid during the call of `body`.
    /// - Throws: ``WireError`` for an oversized or malformed header, or whatever `body` throws.
    public mutating func decode(
        _ chunk: UnsafeRawBufferPointer,
        _ body: (FrameHeader, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var rest = chunk[...]
        if !pending.isEmpty {
            // Complete the frame started in an earlier chunk, copying only what it still lacks.
            if pending.count < FrameHeader.size {
                let take = min(FrameHeader.size - pending.count, rest.count)
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest.prefix(take)))
                rest = rest.dropFirst(take)
                if pending.count < FrameHeader.size { return }
                _ = try checkedHeader(pending)
            }
            let header = try checkedHeader(pending)
            let total = FrameHeader.size + Int(header.length)
            if pending.count < total {
                if pending.capacity < total { pending.reserveCapacity(total) }
                let take = min(total - pending.count, rest.count)
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest.prefix(take)))
                rest = rest.dropFirst(take)
                if pending.count < total { return }
            }
            let frame = pending
            pending.removeAll(keepingCapacity: pending.capacity <= 1 << 16)
            offset += UInt64(total)
            try frame.withUnsafeBytes { bytes in
                try body(header, UnsafeRawBufferPointer(rebasing: bytes[FrameHeader.size...]))
            }
        }
        // Hot path: frames entirely inside the caller's chunk are handed out without a copy.
        var start = rest.startIndex
        let end = rest.endIndex
        while end - start >= FrameHeader.size {
            let header = try checkedHeader(UnsafeRawBufferPointer(rebasing: chunk[start..<(start + FrameHeader.size)]))
            let total = FrameHeader.size + Int(header.length)
            guard end - start >= total else { break }
            offset += UInt64(total)
            try body(header, UnsafeRawBufferPointer(rebasing: chunk[(start + FrameHeader.size)..<(start + total)]))
            start += total
        }
        if start < end {
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<end]))
            if pending.count >= FrameHeader.size { _ = try checkedHeader(pending) }
        }
    }

    /// Feeds `bytes` and returns every frame that is complete, payloads copied.
    public mutating func decode(_ bytes: some Collection<UInt8>) throws(WireError) -> [Frame] {
        var frames: [Frame] = []
        do {
            let array = Array(bytes)
            try array.withUnsafeBytes { chunk in
                try decode(chunk) { header, payload in
                    frames.append(Frame(type: header.type, id: header.id, flags: header.flags, payload: Array(payload)))
                }
            }
        } catch let error as WireError {
            throw error
        } catch {
            preconditionFailure("unreachable: the closure throws nothing but WireError")
        }
        return frames
    }

    /// Call at end of stream: fails when the stream stopped inside a frame.
    public func finish() throws(WireError) {
        guard pending.isEmpty else {
            throw WireError(
                .truncatedFrame,
                "stream ended after \(pending.count) bytes of an incomplete frame",
                offset: offset
            )
        }
    }

    private func checkedHeader(_ bytes: [UInt8]) throws(WireError) -> FrameHeader {
        let header = bytes.withUnsafeBytes { FrameHeader(reading: $0) }
        try check(header)
        return header
    }

    private func checkedHeader(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> FrameHeader {
        let header = FrameHeader(reading: bytes)
        try check(header)
        return header
    }

    private func check(_ header: FrameHeader) throws(WireError) {
        if Int(header.length) > maxFrameBytes {
            throw WireError(
                .frameTooLarge,
                "\(header.type) frame announces \(header.length) payload bytes, limit is \(maxFrameBytes)",
                offset: offset
            )
        }
        if header.flags != 0 {
            throw WireError(
                .badHeader,
                "reserved flags field is 0x\(String(header.flags, radix: 16)), must be 0",
                offset: offset + 6
            )
        }
    }
}
