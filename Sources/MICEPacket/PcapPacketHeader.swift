// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// What the capture says about one packet: its time and its captured and original lengths.
public struct PcapPacketHeader: Hashable, Sendable {
    /// Seconds since the Unix epoch (packet time; `system.time` when replaying a capture).
    public var seconds: Int64
    /// Nanoseconds within the second (a microsecond capture gives multiples of 1,000).
    public var nanoseconds: UInt32
    /// Bytes captured (the buffer handed to the loop has exactly this many).
    public var capturedLength: Int
    /// Bytes the packet had on the wire (larger than ``capturedLength`` when the snap length cut it).
    public var originalLength: Int

    public init(seconds: Int64, nanoseconds: UInt32, capturedLength: Int, originalLength: Int) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.capturedLength = capturedLength
        self.originalLength = originalLength
    }

    /// The time as nanoseconds since the epoch.
    public var timeNanoseconds: Int64 { seconds &* 1_000_000_000 &+ Int64(nanoseconds) }

    /// The time as seconds since the epoch with a fraction.
    public var time: Double { Double(seconds) + Double(nanoseconds) / 1e9 }
}
