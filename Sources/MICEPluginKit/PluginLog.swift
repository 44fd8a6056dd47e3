// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Log lines to stderr with the level prefixes the host maps to its log levels (`E! W! I! D!`).
public enum PluginLog {
    /// An error the host logs at error level.
    public static func error(_ message: String) { write("E! ", message) }
    /// A warning.
    public static func warning(_ message: String) { write("W! ", message) }
    /// Information.
    public static func info(_ message: String) { write("I! ", message) }
    /// Debug detail.
    public static func debug(_ message: String) { write("D! ", message) }

    private static func write(_ prefix: String, _ message: String) {
        var line = Array(prefix.utf8)
        for byte in message.utf8 { line.append(byte == 0x0A ? 0x20 : byte) }
        line.append(0x0A)
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
