// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The "lines" mode for trivial scripts: one line in, exactly one line out, an empty line out
/// meaning "drop" (docs/plugin-protocol.md, "Lines mode").
public enum LinesCodec {
    /// The longest line a host accepts back from a lines-mode module; longer ones are truncated.
    public static let maxLineBytes = 64 * 1024

    /// Appends `value` as one line: line feeds and carriage returns inside it become blanks, so a
    /// value is always exactly one line; a trailing NUL run (fixed-field padding) is cut.
    public static func appendLine(_ value: some Collection<UInt8>, to buffer: inout [UInt8]) {
        var end = value.endIndex
        if let nul = value.firstIndex(of: 0) { end = nul }
        for byte in value[value.startIndex..<end] {
            buffer.append(byte == 0x0A || byte == 0x0D ? 0x20 : byte)
        }
        buffer.append(0x0A)
    }
}
