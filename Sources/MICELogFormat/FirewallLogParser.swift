// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERecords

/// Parses packet-filter log lines into ``FirewallLogFormat``: SuSEfirewall lines (the original
/// `parse_firewall_entry`, spec section 7.3.1) and the kernel's netfilter log lines that iptables'
/// `LOG` target and nftables' `log` statement write, whatever their prefix:
///
/// ```
/// kernel: SuSE-FW-DROP-DEFAULT IN=eth0 OUT= MAC=00:... SRC=192.0.2.9 DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=4242 DF PROTO=TCP SPT=4444 DPT=22 WINDOW=5840 RES=0x00 SYN URGP=0
/// kernel: [UFW BLOCK] IN=eth0 OUT= MAC=... SRC=198.51.100.7 DST=192.0.2.1 LEN=60 ... PROTO=TCP SPT=4444 DPT=22 ...
/// kernel: [ 1234.567890] nft drop in: IN=eth0 OUT= ... PROTO=UDP SPT=5353 DPT=53 LEN=40
/// ```
///
/// `cAction` is what follows "SuSE-FW-" (DROP-DEFAULT, ACCEPT, ...), or else the log prefix
/// between "kernel: " (and the kernel's own "[seconds]" stamp) and "IN=", without brackets and a
/// trailing colon. The fields are the space-separated `KEY=value` tokens from "IN=" on.
///
/// Fixed against the original: the first LEN= (before PROTO=) is the IP length `uiIPLength`, and
/// `uiPacLength` is the transport's LEN= after PROTO= (UDP), 0 when the line has none (the original
/// read the first LEN= twice); numbers are decimal or "0x" hexadecimal (TOS=0x10 was 0 for `atoi`)
/// and anything else is 0 with a problem reported; a missing field is empty or 0, not an error;
/// values are cut to their C field; the embedded packet of an ICMP error ("[SRC=... ]") is not
/// read as the packet's own fields; IPv6's TC= and HOPLIMIT= fill `uiTOS` and `uiTTL`.
public enum FirewallLogParser {
    /// The SuSEfirewall tag; the action follows it.
    public static let suseMarker = Array("SuSE-FW-".utf8)
    private static let inputKey = Array("IN=".utf8)
    private static let outputKey = Array("OUT=".utf8)
    private static let kernelTag = Array("kernel: ".utf8)

    /// Whether `line` is a SuSEfirewall line or a kernel netfilter log line (an "IN=" token
    /// followed by an "OUT=" token).
    public static func recognizes(_ line: UnsafeRawBufferPointer) -> Bool {
        let bytes = LineBytes(bytes: line)
        return bytes.find(suseMarker) != nil || netfilterStart(in: bytes) != nil
    }

    /// Parses one line.
    /// - Parameter line: The raw line.
    /// - Returns: The record, or nil when the line is not a packet-filter line or nothing in it parses.
    public static func parse(_ line: UnsafeRawBufferPointer) -> ParsedLine<FirewallLogFormat>? {
        let bytes = LineBytes(bytes: line)
        var record = FirewallLogFormat()
        var found = 0
        var problems: [String] = []
        let fieldsStart: Int
        if let suseAt = bytes.find(suseMarker) {
            let actionStart = suseAt + suseMarker.count
            var actionEnd = actionStart
            while actionEnd < bytes.count, !LineBytes.isBlank(bytes[actionEnd]) { actionEnd += 1 }
            record.action = bytes.field(actionStart..<actionEnd, capacity: 50)
            found += 1
            fieldsStart = actionEnd
        } else if let inputAt = netfilterStart(in: bytes) {
            let prefix = logPrefix(in: bytes, before: inputAt)
            if !prefix.isEmpty {
                record.action = bytes.field(prefix, capacity: 50)
                found += 1
            }
            fieldsStart = inputAt
        } else {
            return nil
        }

        var seen = Set<String>()
        var afterProtocol = false
        var index = fieldsStart
        while index < bytes.count {
            while index < bytes.count, LineBytes.isBlank(bytes[index]) { index += 1 }
            let tokenStart = index
            while index < bytes.count, !LineBytes.isBlank(bytes[index]) { index += 1 }
            guard tokenStart < index else { break }
            // An ICMP error quotes the offending packet in brackets: not this packet's fields.
            if afterProtocol, bytes[tokenStart] == UInt8(ascii: "[") { break }
            guard let equals = (tokenStart..<index).first(where: { bytes[$0] == UInt8(ascii: "=") }) else { continue }
            let key = String(decoding: UnsafeRawBufferPointer(rebasing: line[tokenStart..<equals]), as: UTF8.self)
            let value = (equals + 1)..<index
            let slot = key == "LEN" ? (afterProtocol ? "LEN/transport" : "LEN/ip") : key
            guard !seen.contains(slot) else { continue }
            func number() -> UInt32 {
                found += 1
                guard let number = LogNumber.parse(UnsafeRawBufferPointer(rebasing: line[value]), as: UInt32.self)
                else {
                    problems.append("\(key)=: \(bytes.quoted(value)) is not a number")
                    return 0
                }
                return number
            }
            switch key {
            case "IN": record.inputInterface = bytes.field(value, capacity: 255)
            case "OUT": record.outputInterface = bytes.field(value, capacity: 255)
            case "MAC": record.mac = bytes.field(value, capacity: 30)
            case "SRC": record.source = bytes.field(value, capacity: 30)
            case "DST": record.destination = bytes.field(value, capacity: 30)
            case "LEN" where !afterProtocol: record.ipLength = number()
            case "LEN": record.packetLength = number()
            case "TOS", "TC": record.tos = number()
            case "PREC": record.precedence = number()
            case "TTL", "HOPLIMIT": record.ttl = number()
            case "ID" where !afterProtocol: record.id = number()
            case "PROTO":
                record.transportProtocol = bytes.field(value, capacity: 10)
                afterProtocol = true
            case "SPT": record.sourcePort = number()
            case "DPT": record.destinationPort = number()
            default: continue
            }
            switch key {
            case "IN", "OUT", "MAC", "SRC", "DST", "PROTO": found += 1
            default: break
            }
            seen.insert(slot)
        }
        guard found > 0 else { return nil }
        for (slot, name) in [("SRC", "SRC="), ("DST", "DST="), ("PROTO", "PROTO=")] where !seen.contains(slot) {
            problems.append("\(name): missing")
        }
        return ParsedLine(record: record, fieldsFound: found, problems: problems)
    }

    /// Parses one line held in an array or other collection.
    public static func parse(_ line: some Collection<UInt8>) -> ParsedLine<FirewallLogFormat>? {
        Array(line).withUnsafeBytes { parse($0) }
    }

    /// Where the "IN=" token of a netfilter line starts, if an "OUT=" token follows it.
    private static func netfilterStart(in bytes: LineBytes) -> Int? {
        var search = 0
        while let inputAt = bytes.find(inputKey, from: search) {
            search = inputAt + 1
            guard inputAt == 0 || LineBytes.isBlank(bytes[inputAt - 1]) || bytes[inputAt - 1] == UInt8(ascii: "]")
            else { continue }
            var outputSearch = inputAt + inputKey.count
            while let outputAt = bytes.find(outputKey, from: outputSearch) {
                if LineBytes.isBlank(bytes[outputAt - 1]) { return inputAt }
                outputSearch = outputAt + 1
            }
            return nil
        }
        return nil
    }

    /// The log prefix before "IN=": after the last "kernel: " and the kernel's "[seconds]" stamp,
    /// without enclosing brackets, a trailing colon and blanks.
    private static func logPrefix(in bytes: LineBytes, before inputAt: Int) -> Range<Int> {
        var start = 0
        var search = 0
        while let kernelAt = bytes.find(kernelTag, from: search, in: inputAt) {
            start = kernelAt + kernelTag.count
            search = kernelAt + 1
        }
        var range = bytes.trimmed(start..<inputAt)
        // The kernel's time stamp "[ 1234.567890]" when printk times are on.
        if range.lowerBound < range.upperBound, bytes[range.lowerBound] == UInt8(ascii: "["),
            let close = (range.lowerBound..<range.upperBound).first(where: { bytes[$0] == UInt8(ascii: "]") }),
            close > range.lowerBound + 1,
            (range.lowerBound + 1..<close).allSatisfy({
                bytes[$0] == 0x20 || bytes[$0] == UInt8(ascii: ".") || (bytes[$0] >= 0x30 && bytes[$0] <= 0x39)
            })
        {
            range = bytes.trimmed((close + 1)..<range.upperBound)
        }
        if range.count >= 2, bytes[range.lowerBound] == UInt8(ascii: "["),
            bytes[range.upperBound - 1] == UInt8(ascii: "]")
        {
            range = bytes.trimmed((range.lowerBound + 1)..<(range.upperBound - 1))
        }
        while range.count > 0, bytes[range.upperBound - 1] == UInt8(ascii: ":") {
            range = bytes.trimmed(range.lowerBound..<(range.upperBound - 1))
        }
        return range
    }
}
