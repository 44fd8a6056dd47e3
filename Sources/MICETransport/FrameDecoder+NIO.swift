// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEWire
import NIOCore

extension FrameDecoder {
    /// The NIO adapter around the project's one frame decoder, for daemon sockets.
    ///
    /// Every chunk NIO read goes straight into the pure ``FrameDecoder`` (which keeps the bytes of an
    /// incomplete frame itself and checks each announced length before allocating anything); every
    /// complete frame is fired on as a ``Frame``. A ``WireError`` closes the connection. A frame cut
    /// off by the end of the stream is dropped; in acked mode it was never acknowledged and is resent.
    public struct NIODecoder: ByteToMessageDecoder {
        public typealias InboundOut = Frame

        private var decoder: FrameDecoder

        /// - Parameter maxFrameBytes: the largest payload accepted; larger announced lengths fail.
        public init(maxFrameBytes: Int) {
            self.decoder = FrameDecoder(maxFrameBytes: maxFrameBytes)
        }

        public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
            guard buffer.readableBytes > 0 else { return .needMoreData }
            try buffer.withUnsafeReadableBytes { chunk in
                try decoder.decode(chunk) { header, payload in
                    let frame = Frame(type: header.type, id: header.id, flags: header.flags, payload: Array(payload))
                    context.fireChannelRead(Self.wrapInboundOut(frame))
                }
            }
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }

        public mutating func decodeLast(
            context: ChannelHandlerContext,
            buffer: inout ByteBuffer,
            seenEOF: Bool
        ) throws -> DecodingState {
            _ = try decode(context: context, buffer: &buffer)
            // A frame cut off by the end of the stream is dropped: in acked mode its record was never
            // acknowledged and comes again; nothing else on a link needs the bytes.
            return .needMoreData
        }

        /// Bytes of an incomplete frame held back.
        public var bufferedByteCount: Int { decoder.bufferedByteCount }
    }
}

extension ByteBuffer {
    /// Writes one frame (header and payload) in the project's frame format.
    @discardableResult
    public mutating func writeFrame(type: FrameType, id: UInt64 = 0, payload: some Collection<UInt8>) -> Int {
        let header = FrameHeader(length: UInt32(payload.count), type: type, id: id)
        let written = writeWithUnsafeMutableBytes(minimumWritableBytes: FrameHeader.size) { raw in
            header.write(to: raw)
            return FrameHeader.size
        }
        return written + writeBytes(payload)
    }
}
