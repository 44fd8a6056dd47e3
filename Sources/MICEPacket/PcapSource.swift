// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import CPcap
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Packets from libpcap: a capture file (pcap or pcapng) or a live interface, with an optional
/// BPF filter, delivered one by one to a closure without copying.
///
/// Not thread-safe, except ``breakLoop()``, which may be called from any thread (or a signal
/// handler's helper thread) to make ``forEachPacket(limit:_:)`` return.
public final class PcapSource: @unchecked Sendable {
    /// How to open a live interface.
    public struct LiveOptions: Hashable, Sendable {
        /// Bytes kept of each packet.
        public var snapshotLength: Int
        /// Put the interface into promiscuous mode.
        public var promiscuous: Bool
        /// Deliver each packet as soon as it arrives (no kernel batching).
        public var immediate: Bool
        /// How long the kernel may wait before a read returns without packets, in milliseconds;
        /// it bounds how late ``PcapSource/breakLoop()`` takes effect when no packets arrive.
        public var timeoutMilliseconds: Int
        /// The kernel buffer size in bytes, nil for libpcap's default.
        public var bufferSize: Int?

        public init(
            snapshotLength: Int = 262_144, promiscuous: Bool = false, immediate: Bool = true,
            timeoutMilliseconds: Int = 100, bufferSize: Int? = nil
        ) {
            self.snapshotLength = snapshotLength
            self.promiscuous = promiscuous
            self.immediate = immediate
            self.timeoutMilliseconds = timeoutMilliseconds
            self.bufferSize = bufferSize
        }
    }

    /// Counts a live capture's kernel reports (`pcap_stats`).
    public struct CaptureStatistics: Hashable, Sendable {
        /// Packets the filter accepted.
        public var received: UInt64
        /// Packets dropped for lack of buffer space.
        public var dropped: UInt64
        /// Packets the interface or driver dropped.
        public var interfaceDropped: UInt64
    }

    /// The file path, or `interface NAME` for a live capture (as errors name it).
    public let sourceName: String
    /// The capture's link type.
    public let linkType: LinkType
    /// The snap length the capture was made (or is being made) with.
    public let snapshotLength: Int
    /// Whether the capture is a live interface.
    public let isLive: Bool
    /// Packets delivered so far.
    public private(set) var packetsRead: UInt64 = 0
    /// The filter expression installed, if any.
    public private(set) var filter: String?
    /// A warning `pcap_activate` gave (such as promiscuous mode not supported), if any.
    public private(set) var activationWarning: String?

    private let handle: OpaquePointer
    private let nanosecondTimestamps: Bool
    private let stopRequested = Atomic<Bool>(false)
    /// libpcap's break flag is set but was not consumed by a read (live only).
    private var stalePcapBreak = false

    /// Opens a capture file (pcap or pcapng, through libpcap).
    /// - Parameters:
    ///   - path: The file.
    ///   - filter: A BPF expression (tcpdump syntax), or nil for every packet.
    public init(file path: String, filter: String? = nil) throws(PacketError) {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard
            let handle = pcap_open_offline_with_tstamp_precision(
                path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer)
        else {
            throw PacketError(.openFailed, source: path, Self.string(errorBuffer))
        }
        self.handle = handle
        sourceName = path
        isLive = false
        linkType = LinkType(rawValue: pcap_datalink(handle))
        snapshotLength = Int(pcap_snapshot(handle))
        nanosecondTimestamps = pcap_get_tstamp_precision(handle) == Int32(PCAP_TSTAMP_PRECISION_NANO)
        if let filter { try setFilter(filter) }
    }

    /// Opens a live interface (needs CAP_NET_RAW, usually root).
    /// - Parameters:
    ///   - interface: The interface name (`eth0`, `lo`, `any`).
    ///   - options: Snap length, promiscuous and immediate modes, timeout, buffer size.
    ///   - filter: A BPF expression (tcpdump syntax), or nil for every packet.
    public init(interface: String, options: LiveOptions = LiveOptions(), filter: String? = nil) throws(PacketError) {
        let name = "interface \(interface)"
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_create(interface, &errorBuffer) else {
            throw PacketError(.openFailed, source: name, Self.string(errorBuffer))
        }
        pcap_set_snaplen(handle, Int32(clamping: options.snapshotLength))
        pcap_set_promisc(handle, options.promiscuous ? 1 : 0)
        pcap_set_immediate_mode(handle, options.immediate ? 1 : 0)
        pcap_set_timeout(handle, Int32(clamping: options.timeoutMilliseconds))
        if let bufferSize = options.bufferSize { pcap_set_buffer_size(handle, Int32(clamping: bufferSize)) }
        _ = pcap_set_tstamp_precision(handle, Int32(PCAP_TSTAMP_PRECISION_NANO))
        let status = pcap_activate(handle)
        if status < 0 {
            let message = String(cString: pcap_statustostr(status)) + ": " + String(cString: pcap_geterr(handle))
            pcap_close(handle)
            throw PacketError(.activateFailed, source: name, message)
        }
        if status > 0 {
            activationWarning = String(cString: pcap_statustostr(status)) + ": " + String(cString: pcap_geterr(handle))
        }
        self.handle = handle
        sourceName = name
        isLive = true
        linkType = LinkType(rawValue: pcap_datalink(handle))
        snapshotLength = Int(pcap_snapshot(handle))
        nanosecondTimestamps = pcap_get_tstamp_precision(handle) == Int32(PCAP_TSTAMP_PRECISION_NANO)
        if let filter { try setFilter(filter) }
    }

    deinit {
        pcap_close(handle)
    }

    /// Compiles a BPF expression (tcpdump syntax) and installs it; only matching packets are delivered.
    /// - Throws: ``PacketError/Code/badFilter`` naming the expression and libpcap's message.
    public func setFilter(_ expression: String) throws(PacketError) {
        var program = bpf_program()
        guard pcap_compile(handle, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            throw PacketError(
                .badFilter, source: sourceName, "\"\(expression)\": \(String(cString: pcap_geterr(handle)))")
        }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(handle, &program) == 0 else {
            throw PacketError(
                .badFilter, source: sourceName, "\"\(expression)\": \(String(cString: pcap_geterr(handle)))")
        }
        filter = expression
    }

    /// Delivers packets to `body` until the file ends, `limit` packets were delivered, or
    /// ``breakLoop()`` is called.
    ///
    /// `bytes` is libpcap's own buffer (no copy), valid only during the call: copy what must
    /// outlive it. An error thrown by `body` ends the loop and is rethrown.
    /// - Returns: The number of packets delivered by this call.
    /// - Throws: ``PacketError/Code/readFailed`` (with the packet number and, for a file, the byte
    ///   offset) when the capture is damaged or the interface fails; what `body` throws.
    @discardableResult
    public func forEachPacket(
        limit: UInt64 = .max, _ body: (PcapPacketHeader, UnsafeRawBufferPointer) throws -> Void
    ) throws -> UInt64 {
        var delivered: UInt64 = 0
        var headerPointer: UnsafeMutablePointer<pcap_pkthdr>?
        var dataPointer: UnsafePointer<UInt8>?
        let fractionScale: UInt32 = nanosecondTimestamps ? 1 : 1000
        while delivered < limit {
            if stopRequested.exchange(false, ordering: .relaxed) {
                // Live, libpcap's own break flag is still set: the next read consumes it.
                if isLive { stalePcapBreak = true }
                break
            }
            let status = pcap_next_ex(handle, &headerPointer, &dataPointer)
            if status == 1 {
                let header = headerPointer.unsafelyUnwrapped.pointee
                let captured = Int(header.caplen)
                packetsRead &+= 1
                delivered &+= 1
                try body(
                    PcapPacketHeader(
                        seconds: Int64(header.ts.tv_sec),
                        nanoseconds: UInt32(truncatingIfNeeded: header.ts.tv_usec) &* fractionScale,
                        capturedLength: captured, originalLength: Int(header.len)),
                    UnsafeRawBufferPointer(start: dataPointer, count: captured))
            } else if status == 0 {
                continue
            } else if status == PCAP_ERROR_BREAK {
                // A file: the end. Live: a breakLoop() (a stale one, from a loop that had
                // already stopped on the flag, is skipped).
                if isLive && stalePcapBreak {
                    stalePcapBreak = false
                    continue
                }
                stopRequested.store(false, ordering: .relaxed)
                break
            } else {
                throw PacketError(
                    .readFailed, source: sourceName, String(cString: pcap_geterr(handle)),
                    packetNumber: packetsRead + 1, byteOffset: fileOffset)
            }
        }
        return delivered
    }

    /// Makes a running ``forEachPacket(limit:_:)`` return after the packet it is delivering (or,
    /// live, within the timeout). Safe from any thread.
    public func breakLoop() {
        stopRequested.store(true, ordering: .relaxed)
        // Wakes a live read blocked in the kernel; a file read never blocks, the flag suffices.
        if isLive { pcap_breakloop(handle) }
    }

    /// The kernel's counts for a live capture (nil for a file).
    public func statistics() -> CaptureStatistics? {
        guard isLive else { return nil }
        var stats = pcap_stat()
        guard pcap_stats(handle, &stats) == 0 else { return nil }
        return CaptureStatistics(
            received: UInt64(stats.ps_recv), dropped: UInt64(stats.ps_drop), interfaceDropped: UInt64(stats.ps_ifdrop))
    }

    /// Where reading stands in the capture file (nil when live).
    private var fileOffset: UInt64? {
        guard !isLive, let file = pcap_file(handle) else { return nil }
        let position = ftell(file)
        return position >= 0 ? UInt64(position) : nil
    }

    private static func string(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
