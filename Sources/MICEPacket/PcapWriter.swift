// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a classic pcap file (version 2.4, microsecond timestamps, little-endian), buffered.
///
/// Any link type number can be written; the tests and the benchmark use ``LinkType/ethernet``
/// and ``LinkType/raw`` (stored as `LINKTYPE_RAW` 101, as libpcap does). Packets longer than
/// the snap length are cut, keeping their original length in the record.
public final class PcapWriter {
    /// The file being written.
    public let path: String
    /// The link type in the file header (as `pcap_datalink` will report it when read back).
    public let linkType: LinkType
    /// The snap length in the file header.
    public let snapshotLength: Int
    /// Packets written so far.
    public private(set) var packetsWritten: UInt64 = 0

    private var descriptor: Int32
    private var buffer: [UInt8]
    private let bufferLimit: Int

    /// Creates (or truncates) `path` and writes the file header.
    /// - Parameters:
    ///   - path: The file to write.
    ///   - linkType: The frames' link type.
    ///   - snapshotLength: The snap length recorded (and applied) in the file.
    ///   - bufferSize: Bytes gathered before each write.
    public init(
        path: String, linkType: LinkType = .ethernet, snapshotLength: Int = 262_144, bufferSize: Int = 1 << 20
    ) throws(PacketError) {
        guard linkType.rawValue >= 0 else {
            throw PacketError(.unsupportedLinkType, source: path, "link type \(linkType.rawValue)")
        }
        self.path = path
        self.linkType = linkType
        self.snapshotLength = max(1, snapshotLength)
        bufferLimit = max(4096, bufferSize)
        buffer = []
        buffer.reserveCapacity(bufferLimit + 65_536)
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw PacketError(.writeFailed, source: path, String(cString: strerror(errno)))
        }
        let fileLinkType: UInt32 =
            switch linkType {
            case .raw, .rawOpenBSD: 101
            default: UInt32(linkType.rawValue)
            }
        append32(0xA1B2_C3D4)
        append16(2)
        append16(4)
        append32(0)
        append32(0)
        append32(UInt32(clamping: self.snapshotLength))
        append32(fileLinkType)
    }

    deinit {
        if descriptor >= 0 {
            try? flush()
            Glibc.close(descriptor)
        }
    }

    /// Appends one packet.
    /// - Parameters:
    ///   - seconds: Timestamp seconds since the epoch.
    ///   - microseconds: Timestamp microseconds (0..<1,000,000).
    ///   - packet: The frame (from the link header on).
    ///   - originalLength: The length on the wire, when larger than the frame given.
    public func write(
        seconds: Int64, microseconds: UInt32, _ packet: UnsafeRawBufferPointer, originalLength: Int? = nil
    ) throws(PacketError) {
        let captured = min(packet.count, snapshotLength)
        append32(UInt32(truncatingIfNeeded: seconds))
        append32(microseconds)
        append32(UInt32(captured))
        append32(UInt32(clamping: max(originalLength ?? packet.count, captured)))
        if captured > 0 { buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: packet[..<captured])) }
        packetsWritten &+= 1
        if buffer.count >= bufferLimit { try flush() }
    }

    /// Appends one packet given as an array.
    public func write(seconds: Int64, microseconds: UInt32, _ packet: [UInt8], originalLength: Int? = nil)
        throws(PacketError)
    {
        let result: Result<Void, PacketError> = packet.withUnsafeBytes { bytes in
            Result { () throws(PacketError) in
                try write(seconds: seconds, microseconds: microseconds, bytes, originalLength: originalLength)
            }
        }
        try result.get()
    }

    /// Writes what is buffered to the file.
    public func flush() throws(PacketError) {
        guard descriptor >= 0 else {
            throw PacketError(.writeFailed, source: path, "already closed")
        }
        var written = 0
        let count = buffer.count
        let failure: Int32? = buffer.withUnsafeBytes { bytes in
            while written < count {
                let result = Glibc.write(descriptor, bytes.baseAddress! + written, count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += result
            }
            return nil
        }
        buffer.removeAll(keepingCapacity: true)
        if let failure {
            throw PacketError(.writeFailed, source: path, String(cString: strerror(failure)))
        }
    }

    /// Flushes and closes the file; the writer cannot be used afterwards.
    public func close() throws(PacketError) {
        guard descriptor >= 0 else { return }
        defer {
            Glibc.close(descriptor)
            descriptor = -1
        }
        try flush()
    }

    @inline(__always)
    private func append32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    @inline(__always)
    private func append16(_ value: UInt16) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }
}
