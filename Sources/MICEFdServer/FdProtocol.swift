// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The wire format between the fd server and its client (docs/fd-server.md).
///
/// Over a `SOCK_SEQPACKET` Unix socket pair, so one message is one request or one reply and a bad
/// request never desynchronises the stream.
///
/// Request (8 + N + 1 bytes): magic `"MFD1"`, command (1 = OPEN, 2 = PING), reserved 0, path
/// length N as a big-endian UInt16 (1...4095; 0 for PING), N path bytes, a NUL byte.
///
/// Reply (8 bytes): status (0 = success, else an ``FdServerError/Code/status``), three reserved
/// zero bytes, errno as a big-endian UInt32 (0 when none); on a successful OPEN the descriptor
/// travels with it as SCM_RIGHTS ancillary data.
public enum FdProtocol {
    /// The request magic, `"MFD1"`.
    public static let magic: [UInt8] = Array("MFD1".utf8)
    /// Command: open a path read-only and send its descriptor.
    public static let commandOpen: UInt8 = 1
    /// Command: answer success without a descriptor (health check).
    public static let commandPing: UInt8 = 2
    /// The longest path (PATH_MAX − 1).
    public static let maximumPathLength = 4095
    /// The size of the request header.
    public static let headerSize = 8
    /// The largest valid request.
    public static let maximumRequestSize = headerSize + maximumPathLength + 1
    /// The size of a reply.
    public static let replySize = 8

    /// Encodes a request.
    public static func request(command: UInt8, path: [UInt8]) -> [UInt8] {
        var bytes = magic
        bytes.append(command)
        bytes.append(0)
        let length = UInt16(truncatingIfNeeded: path.count)
        bytes.append(UInt8(length >> 8))
        bytes.append(UInt8(length & 0xFF))
        bytes.append(contentsOf: path)
        bytes.append(0)
        return bytes
    }

    /// Encodes a reply.
    public static func reply(status: UInt8, errno: Int32 = 0) -> [UInt8] {
        let value = UInt32(bitPattern: errno)
        return [
            status, 0, 0, 0, UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF),
            UInt8(value & 0xFF),
        ]
    }

    /// A decoded request.
    public struct Request: Hashable, Sendable {
        /// The command byte.
        public var command: UInt8
        /// The path bytes (empty for PING).
        public var path: [UInt8]
    }

    /// Decodes one request message.
    /// - Parameters:
    ///   - bytes: The message as received (at most its first ``maximumRequestSize`` + 1 bytes).
    ///   - wasTruncated: The message was longer than what was received.
    /// - Returns: The request, or the refusal (its code is the reply's status).
    public static func decode(_ bytes: ArraySlice<UInt8>, wasTruncated: Bool) -> Result<Request, FdServerError> {
        guard bytes.count >= headerSize, bytes.prefix(4).elementsEqual(magic), bytes[bytes.startIndex + 5] == 0 else {
            return .failure(FdServerError(.malformedRequest))
        }
        let start = bytes.startIndex
        let command = bytes[start + 4]
        let length = Int(bytes[start + 6]) << 8 | Int(bytes[start + 7])
        if length > maximumPathLength { return .failure(FdServerError(.pathTooLong)) }
        if wasTruncated { return .failure(FdServerError(.malformedRequest)) }
        guard command == commandOpen || command == commandPing else { return .failure(FdServerError(.unknownCommand)) }
        let available = bytes.count - headerSize
        if available < length { return .failure(FdServerError(.malformedRequest)) }
        if available == length { return .failure(FdServerError(.missingTerminator)) }
        guard available == length + 1 else { return .failure(FdServerError(.malformedRequest)) }
        guard bytes[start + headerSize + length] == 0 else { return .failure(FdServerError(.missingTerminator)) }
        let path = Array(bytes[(start + headerSize)..<(start + headerSize + length)])
        if command == commandOpen && (path.isEmpty || path.contains(0)) { return .failure(FdServerError(.invalidPath)) }
        return .success(Request(command: command, path: path))
    }
}
