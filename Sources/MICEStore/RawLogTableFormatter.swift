// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICERecords

/// Rows as a readable table for a terminal: one line per row, columns aligned, and every byte
/// that could steer the terminal (control bytes, invalid UTF-8) shown as `\xNN`, so a hostile log
/// line cannot rewrite the screen.
public struct RawLogTableFormatter: Sendable {
    /// The zone the times are shown in.
    public var timeZone: TimeZone

    public init(timeZone: TimeZone = .current) {
        self.timeZone = timeZone
    }

    /// The header line and one line per row.
    public func lines(_ rows: [RawLogRow]) -> [String] {
        let header = ["LOGGED AT (\(timeZone.identifier))", "HOST", "TABLE", "ID", "LINE"]
        var cells = [header]
        for row in rows {
            cells.append([
                RawLogTimeFormat.local(row.loggedAt, in: timeZone), Self.escaped(Array(row.hostname.utf8)),
                row.table.name, "\(row.lineID)", Self.escaped(row.logline) + details(row),
            ])
        }
        let widths = (0..<(header.count - 1)).map { column in cells.map { $0[column].count }.max() ?? 0 }
        return cells.map { line in
            var text = ""
            for (column, cell) in line.enumerated() {
                if column < widths.count {
                    text += cell + String(repeating: " ", count: widths[column] - cell.count + 2)
                } else {
                    text += cell
                }
            }
            return text
        }
    }

    /// The typed columns of `scslog_line` and `firewall_line` rows, after the line.
    private func details(_ row: RawLogRow) -> String {
        if let scs = row.scsLog {
            return "  [syscall=\(Self.escaped(scs.syscall)) program=\(Self.escaped(scs.program)) pid=\(scs.pid)"
                + " uid=\(scs.uid) euid=\(scs.euid) call=\(Self.escaped(scs.call))"
                + " comment=\(Self.escaped(scs.comment))]"
        }
        if let firewall = row.firewall {
            return "  [action=\(Self.escaped(firewall.action)) in=\(Self.escaped(firewall.inputInterface))"
                + " out=\(Self.escaped(firewall.outputInterface)) mac=\(Self.escaped(firewall.mac))"
                + " src=\(Self.escaped(firewall.source)):\(firewall.sourcePort)"
                + " dst=\(Self.escaped(firewall.destination)):\(firewall.destinationPort)"
                + " proto=\(Self.escaped(firewall.transportProtocol)) len=\(firewall.ipLength) tos=\(firewall.tos)"
                + " prec=\(firewall.precedence) ttl=\(firewall.ttl) id=\(firewall.id)"
                + " paclen=\(firewall.packetLength)]"
        }
        return ""
    }

    /// `bytes` as text with control bytes, DEL, backslash and invalid UTF-8 as `\xNN`.
    public static func escaped(_ bytes: [UInt8]) -> String {
        var result = ""
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x7F && byte != 0x5C {
                result.unicodeScalars.append(Unicode.Scalar(byte))
                index += 1
                continue
            }
            if byte >= 0xC2, let (scalar, length) = decodeScalar(bytes, at: index), scalar.value >= 0xA0 {
                result.unicodeScalars.append(scalar)
                index += length
                continue
            }
            result += String(format: "\\x%02X", byte)
            index += 1
        }
        return result
    }

    /// One valid UTF-8 sequence starting at `index`.
    private static func decodeScalar(_ bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        let length = bytes[index] >= 0xF0 ? 4 : bytes[index] >= 0xE0 ? 3 : 2
        guard index + length <= bytes.count,
            let text = String(validating: bytes[index..<(index + length)], as: UTF8.self),
            let scalar = text.unicodeScalars.first, text.unicodeScalars.count == 1
        else { return nil }
        return (scalar, length)
    }
}
