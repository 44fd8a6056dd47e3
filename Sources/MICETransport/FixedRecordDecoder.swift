// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEWire
import NIOCore
import Synchronization

/// Splits a legacy link's byte stream into records of one fixed size (spec §2: no framing).
///
/// It checks nothing but the size, exactly as the original `fread(buf, size, 1, stream)` did; the
/// decoding module judges the content. A partial record when the stream ends is dropped and
/// counted in ``shortRecordsDropped``. Each record is handed on as a ``Frame`` of type
/// ``FrameType/record`` with id 0, so legacy and acked connections share one pipeline shape.
public struct FixedRecordDecoder: ByteToMessageDecoder {
    public typealias InboundOut = Frame

    /// Counters shared with the owner of the connection.
    public final class Counters: Sendable {
        private let dropped = Mutex<(records: Int, bytes: Int)>((0, 0))
        public init() {}
        /// Partial records dropped at end of stream.
        public var shortRecordsDropped: Int { dropped.withLock { $0.records } }
        /// Bytes of those partial records.
        public var shortRecordBytes: Int { dropped.withLock { $0.bytes } }
        func count(bytes: Int) {
            dropped.withLock {
                $0.records += 1
                $0.bytes += bytes
            }
        }
    }

    /// The record size, e.g. 1712 or 6632.
    public let recordSize: Int
    private let counters: Counters

    public init(recordSize: Int, counters: Counters = Counters()) {
        precondition(recordSize > 0, "a record size comes from validated configuration")
        self.recordSize = recordSize
        self.counters = counters
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let bytes = buffer.readBytes(length: recordSize) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(Frame(type: .record, id: 0, payload: bytes)))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            counters.count(bytes: buffer.readableBytes)
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        }
        return .needMoreData
    }
}
